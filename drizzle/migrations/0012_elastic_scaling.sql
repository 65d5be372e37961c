CREATE SEQUENCE "public"."order_number_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE TABLE "duty_roster" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"person" text NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone NOT NULL,
	"contacts" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "duty_roster_window_ck" CHECK ("duty_roster"."ends_at" > "duty_roster"."starts_at")
);
--> statement-breakpoint
CREATE TABLE "matching_policies" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"pool_type" text NOT NULL,
	"action" text NOT NULL,
	"template_id" uuid NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"version" integer DEFAULT 0 NOT NULL,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "matching_policies_action_ck" CHECK ("matching_policies"."action" in ('pool_entry', 'pool_exit'))
);
--> statement-breakpoint
CREATE TABLE "notifications" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"delivery_id" text NOT NULL,
	"event_type" text NOT NULL,
	"subject_id" text,
	"channel" text NOT NULL,
	"address" text NOT NULL,
	"recipient" text NOT NULL,
	"payload" jsonb NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone,
	"transport_message_id" text,
	"last_error" text,
	"sent_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "notifications_status_ck" CHECK ("notifications"."status" in ('pending', 'sent', 'failed')),
	CONSTRAINT "notifications_channel_ck" CHECK ("notifications"."channel" in ('email', 'webhook'))
);
--> statement-breakpoint
CREATE TABLE "order_devices" (
	"order_id" uuid NOT NULL,
	"machine_id" uuid NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"error" text,
	"finished_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "order_devices_order_id_machine_id_pk" PRIMARY KEY("order_id","machine_id"),
	CONSTRAINT "order_devices_status_ck" CHECK ("order_devices"."status" in ('pending', 'in_progress', 'done', 'failed'))
);
--> statement-breakpoint
CREATE TABLE "orders" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"number" text DEFAULT 'ORD-' || lpad(nextval('order_number_seq')::text, 6, '0') NOT NULL,
	"cluster_id" uuid,
	"pool_id" uuid,
	"strategy_id" uuid,
	"action" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"reason" text,
	"created_by" text NOT NULL,
	"executed_by" text,
	"executed_at" timestamp with time zone,
	"completed_at" timestamp with time zone,
	"failure_reason" text,
	"trigger_value" double precision,
	"threshold" double precision,
	"maintenance_window_start" timestamp with time zone,
	"maintenance_window_end" timestamp with time zone,
	"external_ticket_id" text,
	"parent_order_id" uuid,
	"version" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "orders_action_ck" CHECK ("orders"."action" in ('pool_entry', 'pool_exit', 'maintenance', 'uncordon')),
	CONSTRAINT "orders_status_ck" CHECK ("orders"."status" in ('pending', 'processing', 'maintenance_in_progress', 'completed', 'failed', 'cancelled', 'ignored')),
	CONSTRAINT "orders_pool_needs_cluster_ck" CHECK ("orders"."pool_id" is null or "orders"."cluster_id" is not null),
	CONSTRAINT "orders_window_ck" CHECK ("orders"."maintenance_window_end" is null or "orders"."maintenance_window_start" is null
        or "orders"."maintenance_window_end" > "orders"."maintenance_window_start")
);
--> statement-breakpoint
CREATE TABLE "strategies" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"action" text NOT NULL,
	"cpu_threshold" double precision,
	"cpu_threshold_type" text DEFAULT 'usage' NOT NULL,
	"cpu_target" double precision,
	"memory_threshold" double precision,
	"memory_threshold_type" text DEFAULT 'usage' NOT NULL,
	"memory_target" double precision,
	"condition_logic" text DEFAULT 'or' NOT NULL,
	"duration_days" integer NOT NULL,
	"cooldown_days" integer DEFAULT 0 NOT NULL,
	"max_devices" integer NOT NULL,
	"scope_cluster_ids" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"scope_pool_ids" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"entry_template_id" uuid,
	"exit_template_id" uuid,
	"extra_conditions" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"status" text DEFAULT 'enabled' NOT NULL,
	"version" integer DEFAULT 0 NOT NULL,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "strategies_action_ck" CHECK ("strategies"."action" in ('pool_entry', 'pool_exit')),
	CONSTRAINT "strategies_status_ck" CHECK ("strategies"."status" in ('enabled', 'disabled')),
	CONSTRAINT "strategies_logic_ck" CHECK ("strategies"."condition_logic" in ('and', 'or')),
	CONSTRAINT "strategies_threshold_types_ck" CHECK ("strategies"."cpu_threshold_type" in ('usage', 'allocated') and "strategies"."memory_threshold_type" in ('usage', 'allocated')),
	CONSTRAINT "strategies_percentages_ck" CHECK (coalesce("strategies"."cpu_threshold", 0) between 0 and 100 and coalesce("strategies"."cpu_target", 0) between 0 and 100
        and coalesce("strategies"."memory_threshold", 0) between 0 and 100 and coalesce("strategies"."memory_target", 0) between 0 and 100),
	CONSTRAINT "strategies_metric_pairs_ck" CHECK (("strategies"."cpu_threshold" is null) = ("strategies"."cpu_target" is null)
        and ("strategies"."memory_threshold" is null) = ("strategies"."memory_target" is null)
        and ("strategies"."cpu_threshold" is not null or "strategies"."memory_threshold" is not null)),
	CONSTRAINT "strategies_counts_ck" CHECK ("strategies"."duration_days" between 1 and 366 and "strategies"."cooldown_days" between 0 and 366 and "strategies"."max_devices" >= 1)
);
--> statement-breakpoint
CREATE TABLE "strategy_evaluations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"strategy_id" uuid NOT NULL,
	"cluster_id" uuid NOT NULL,
	"pool_id" uuid NOT NULL,
	"run_key" text NOT NULL,
	"result" text NOT NULL,
	"observed" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"reason" text NOT NULL,
	"order_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "strategy_evaluations_result_ck" CHECK ("strategy_evaluations"."result" in ('order_created', 'below_threshold', 'cooldown', 'no_stock', 'error'))
);
--> statement-breakpoint
CREATE TABLE "subscriptions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"event_types" jsonb NOT NULL,
	"channel" text NOT NULL,
	"address" text NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "subscriptions_channel_ck" CHECK ("subscriptions"."channel" in ('email', 'webhook')),
	CONSTRAINT "subscriptions_event_types_ck" CHECK (jsonb_typeof("subscriptions"."event_types") = 'array')
);
--> statement-breakpoint
ALTER TABLE "machines" ADD COLUMN "drain_intent" text;--> statement-breakpoint
ALTER TABLE "node_pools" ADD COLUMN "pool_type" text;--> statement-breakpoint
ALTER TABLE "matching_policies" ADD CONSTRAINT "matching_policies_template_id_query_templates_id_fk" FOREIGN KEY ("template_id") REFERENCES "public"."query_templates"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "order_devices" ADD CONSTRAINT "order_devices_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "order_devices" ADD CONSTRAINT "order_devices_machine_id_machines_id_fk" FOREIGN KEY ("machine_id") REFERENCES "public"."machines"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "orders" ADD CONSTRAINT "orders_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "orders" ADD CONSTRAINT "orders_pool_id_node_pools_id_fk" FOREIGN KEY ("pool_id") REFERENCES "public"."node_pools"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "orders" ADD CONSTRAINT "orders_strategy_id_strategies_id_fk" FOREIGN KEY ("strategy_id") REFERENCES "public"."strategies"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "strategies" ADD CONSTRAINT "strategies_entry_template_id_query_templates_id_fk" FOREIGN KEY ("entry_template_id") REFERENCES "public"."query_templates"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "strategies" ADD CONSTRAINT "strategies_exit_template_id_query_templates_id_fk" FOREIGN KEY ("exit_template_id") REFERENCES "public"."query_templates"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "strategy_evaluations" ADD CONSTRAINT "strategy_evaluations_strategy_id_strategies_id_fk" FOREIGN KEY ("strategy_id") REFERENCES "public"."strategies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "strategy_evaluations" ADD CONSTRAINT "strategy_evaluations_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "strategy_evaluations" ADD CONSTRAINT "strategy_evaluations_pool_id_node_pools_id_fk" FOREIGN KEY ("pool_id") REFERENCES "public"."node_pools"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "strategy_evaluations" ADD CONSTRAINT "strategy_evaluations_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "duty_roster_window_idx" ON "duty_roster" USING btree ("starts_at","ends_at");--> statement-breakpoint
CREATE UNIQUE INDEX "matching_policies_type_action_uq" ON "matching_policies" USING btree ("pool_type","action");--> statement-breakpoint
CREATE UNIQUE INDEX "notifications_delivery_uq" ON "notifications" USING btree ("delivery_id");--> statement-breakpoint
CREATE INDEX "notifications_created_id_idx" ON "notifications" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "notifications_event_type_idx" ON "notifications" USING btree ("event_type","created_at");--> statement-breakpoint
CREATE INDEX "notifications_due_idx" ON "notifications" USING btree ("next_attempt_at") WHERE "notifications"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "order_devices_machine_idx" ON "order_devices" USING btree ("machine_id");--> statement-breakpoint
CREATE UNIQUE INDEX "orders_number_uq" ON "orders" USING btree ("number");--> statement-breakpoint
CREATE UNIQUE INDEX "orders_external_ticket_uq" ON "orders" USING btree ("external_ticket_id","action") WHERE "orders"."external_ticket_id" is not null;--> statement-breakpoint
CREATE INDEX "orders_cluster_pool_created_idx" ON "orders" USING btree ("cluster_id","pool_id","created_at");--> statement-breakpoint
CREATE INDEX "orders_status_created_idx" ON "orders" USING btree ("status","created_at","id");--> statement-breakpoint
CREATE INDEX "orders_created_id_idx" ON "orders" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "orders_strategy_idx" ON "orders" USING btree ("strategy_id");--> statement-breakpoint
CREATE UNIQUE INDEX "strategies_name_uq" ON "strategies" USING btree ("name");--> statement-breakpoint
CREATE UNIQUE INDEX "strategy_evaluations_run_uq" ON "strategy_evaluations" USING btree ("strategy_id","cluster_id","pool_id","run_key");--> statement-breakpoint
CREATE INDEX "strategy_evaluations_strategy_created_idx" ON "strategy_evaluations" USING btree ("strategy_id","created_at","id");--> statement-breakpoint
CREATE INDEX "node_pools_pool_type_idx" ON "node_pools" USING btree ("pool_type");--> statement-breakpoint
ALTER TABLE "machines" ADD CONSTRAINT "machines_drain_intent_ck" CHECK ("machines"."drain_intent" is null or "machines"."drain_intent" = 'maintenance');