CREATE TABLE "api_tokens" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"token_hash" text NOT NULL,
	"display_prefix" text NOT NULL,
	"role" text NOT NULL,
	"cluster_id" uuid,
	"expires_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"last_used_at" timestamp with time zone,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "api_tokens_role_ck" CHECK ("api_tokens"."role" in ('admin', 'operator', 'viewer'))
);
--> statement-breakpoint
CREATE TABLE "audit_logs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor" text NOT NULL,
	"action" text NOT NULL,
	"resource_type" text NOT NULL,
	"resource_id" text,
	"cluster_id" uuid,
	"result" text NOT NULL,
	"status_code" integer,
	"changes" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"ip" text,
	"user_agent" text,
	"request_id" text,
	CONSTRAINT "audit_logs_result_ck" CHECK ("audit_logs"."result" in ('success', 'failure'))
);
--> statement-breakpoint
CREATE TABLE "clusters" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"labels" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"kubernetes_version" text,
	"agent_version" text,
	"last_heartbeat_at" timestamp with time zone,
	"registration_token_hash" text,
	"registration_token_expires_at" timestamp with time zone,
	"registered_at" timestamp with time zone,
	"agent_credential_hash" text,
	"agent_credential_rotated_at" timestamp with time zone,
	"state_version" bigint DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone,
	CONSTRAINT "clusters_status_ck" CHECK ("clusters"."status" in ('pending', 'active', 'offline'))
);
--> statement-breakpoint
CREATE TABLE "machines" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"hostname" text NOT NULL,
	"ip" "inet" NOT NULL,
	"ssh_user" text DEFAULT 'root' NOT NULL,
	"ssh_port" integer DEFAULT 22 NOT NULL,
	"ssh_key_ref" text,
	"host_key_fingerprint" text,
	"cluster_id" uuid,
	"pool_id" uuid,
	"status" text DEFAULT 'available' NOT NULL,
	"status_reason" text,
	"status_changed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"cpu_cores" integer DEFAULT 0 NOT NULL,
	"memory_bytes" bigint DEFAULT 0 NOT NULL,
	"gpu_count" integer DEFAULT 0 NOT NULL,
	"gpu_type" text,
	"region" text,
	"zone" text,
	"rack" text,
	"os_image" text,
	"kernel_version" text,
	"kubelet_version" text,
	"container_runtime_version" text,
	"labels" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"taints" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"tags" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"node_name" text,
	"provider_id" text,
	"consecutive_failures" integer DEFAULT 0 NOT NULL,
	"last_heartbeat_at" timestamp with time zone,
	"last_action" text,
	"last_error" text,
	"version" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "machines_status_ck" CHECK ("machines"."status" in ('available', 'reserved', 'joining', 'ready', 'draining', 'leaving', 'fault', 'maintenance', 'archived')),
	CONSTRAINT "machines_pool_needs_cluster_ck" CHECK ("machines"."pool_id" is null or "machines"."cluster_id" is not null),
	CONSTRAINT "machines_ssh_port_ck" CHECK ("machines"."ssh_port" between 1 and 65535),
	CONSTRAINT "machines_resources_ck" CHECK ("machines"."cpu_cores" >= 0 and "machines"."memory_bytes" >= 0 and "machines"."gpu_count" >= 0)
);
--> statement-breakpoint
CREATE TABLE "node_pools" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"cluster_id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"min_size" integer DEFAULT 0 NOT NULL,
	"max_size" integer DEFAULT 0 NOT NULL,
	"autoscaling_enabled" boolean DEFAULT true NOT NULL,
	"template_labels" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"template_taints" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"capacity_cpu_millis" integer DEFAULT 0 NOT NULL,
	"capacity_memory_bytes" bigint DEFAULT 0 NOT NULL,
	"capacity_ephemeral_storage_bytes" bigint DEFAULT 0 NOT NULL,
	"capacity_pods" integer DEFAULT 110 NOT NULL,
	"allocatable_cpu_millis" integer DEFAULT 0 NOT NULL,
	"allocatable_memory_bytes" bigint DEFAULT 0 NOT NULL,
	"allocatable_ephemeral_storage_bytes" bigint DEFAULT 0 NOT NULL,
	"allocatable_pods" integer DEFAULT 110 NOT NULL,
	"gpu_count" integer DEFAULT 0 NOT NULL,
	"gpu_type" text,
	"hardware_requirements" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"scale_up_policy" text DEFAULT 'random' NOT NULL,
	"scale_down_policy" text DEFAULT 'least-used' NOT NULL,
	"drain_settings" jsonb DEFAULT '{"timeoutSeconds":600,"gracePeriodSeconds":30,"ignoreDaemonSets":true,"deleteEmptyDirData":true,"force":false}'::jsonb NOT NULL,
	"prepare_hosts" boolean DEFAULT false NOT NULL,
	"pre_join_hook" text,
	"post_join_hook" text,
	"pre_reset_hook" text,
	"post_reset_hook" text,
	"scale_up_cooldown_seconds" integer DEFAULT 0 NOT NULL,
	"scale_down_cooldown_seconds" integer DEFAULT 600 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "node_pools_size_ck" CHECK ("node_pools"."min_size" >= 0 and "node_pools"."max_size" >= "node_pools"."min_size"),
	CONSTRAINT "node_pools_gpu_ck" CHECK ("node_pools"."gpu_count" >= 0),
	CONSTRAINT "node_pools_scale_up_policy_ck" CHECK ("node_pools"."scale_up_policy" in ('random', 'least-used', 'most-available')),
	CONSTRAINT "node_pools_scale_down_policy_ck" CHECK ("node_pools"."scale_down_policy" in ('least-used', 'newest-first', 'oldest-first'))
);
--> statement-breakpoint
CREATE TABLE "operations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"kind" text NOT NULL,
	"status" text DEFAULT 'succeeded' NOT NULL,
	"request_id" text,
	"cluster_id" uuid,
	"pool_id" uuid,
	"machine_id" uuid,
	"delta" integer,
	"error" text,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"ended_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "operations_status_ck" CHECK ("operations"."status" in ('pending', 'running', 'succeeded', 'failed', 'cancelled'))
);
--> statement-breakpoint
CREATE TABLE "resource_snapshots" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"cluster_id" uuid NOT NULL,
	"pool_id" uuid,
	"captured_at" timestamp with time zone DEFAULT now() NOT NULL,
	"granularity" text DEFAULT 'raw' NOT NULL,
	"node_count" integer DEFAULT 0 NOT NULL,
	"capacity_cpu_millis" bigint DEFAULT 0 NOT NULL,
	"capacity_memory_bytes" bigint DEFAULT 0 NOT NULL,
	"allocatable_cpu_millis" bigint DEFAULT 0 NOT NULL,
	"allocatable_memory_bytes" bigint DEFAULT 0 NOT NULL,
	"requested_cpu_millis" bigint DEFAULT 0 NOT NULL,
	"requested_memory_bytes" bigint DEFAULT 0 NOT NULL,
	"usage_cpu_millis" bigint DEFAULT 0 NOT NULL,
	"usage_memory_bytes" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "resource_snapshots_granularity_ck" CHECK ("resource_snapshots"."granularity" in ('raw', 'daily'))
);
--> statement-breakpoint
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "machines" ADD CONSTRAINT "machines_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "machines" ADD CONSTRAINT "machines_pool_id_node_pools_id_fk" FOREIGN KEY ("pool_id") REFERENCES "public"."node_pools"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "node_pools" ADD CONSTRAINT "node_pools_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "operations" ADD CONSTRAINT "operations_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "operations" ADD CONSTRAINT "operations_pool_id_node_pools_id_fk" FOREIGN KEY ("pool_id") REFERENCES "public"."node_pools"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "operations" ADD CONSTRAINT "operations_machine_id_machines_id_fk" FOREIGN KEY ("machine_id") REFERENCES "public"."machines"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "resource_snapshots" ADD CONSTRAINT "resource_snapshots_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "resource_snapshots" ADD CONSTRAINT "resource_snapshots_pool_id_node_pools_id_fk" FOREIGN KEY ("pool_id") REFERENCES "public"."node_pools"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "api_tokens_token_hash_uq" ON "api_tokens" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "api_tokens_cluster_idx" ON "api_tokens" USING btree ("cluster_id");--> statement-breakpoint
CREATE INDEX "audit_logs_at_idx" ON "audit_logs" USING btree ("at");--> statement-breakpoint
CREATE INDEX "audit_logs_actor_at_idx" ON "audit_logs" USING btree ("actor","at");--> statement-breakpoint
CREATE INDEX "audit_logs_resource_idx" ON "audit_logs" USING btree ("resource_type","resource_id");--> statement-breakpoint
CREATE UNIQUE INDEX "clusters_name_live_uq" ON "clusters" USING btree ("name") WHERE "clusters"."deleted_at" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "clusters_registration_token_hash_uq" ON "clusters" USING btree ("registration_token_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "clusters_agent_credential_hash_uq" ON "clusters" USING btree ("agent_credential_hash");--> statement-breakpoint
CREATE INDEX "clusters_status_idx" ON "clusters" USING btree ("status");--> statement-breakpoint
CREATE UNIQUE INDEX "machines_ip_live_uq" ON "machines" USING btree ("ip") WHERE "machines"."status" <> 'archived';--> statement-breakpoint
CREATE UNIQUE INDEX "machines_provider_id_uq" ON "machines" USING btree ("provider_id");--> statement-breakpoint
CREATE INDEX "machines_pool_status_idx" ON "machines" USING btree ("pool_id","status");--> statement-breakpoint
CREATE INDEX "machines_cluster_status_idx" ON "machines" USING btree ("cluster_id","status");--> statement-breakpoint
CREATE INDEX "machines_status_idx" ON "machines" USING btree ("status");--> statement-breakpoint
CREATE UNIQUE INDEX "node_pools_cluster_name_uq" ON "node_pools" USING btree ("cluster_id","name");--> statement-breakpoint
CREATE INDEX "operations_cluster_created_idx" ON "operations" USING btree ("cluster_id","created_at");--> statement-breakpoint
CREATE INDEX "operations_machine_created_idx" ON "operations" USING btree ("machine_id","created_at");--> statement-breakpoint
CREATE INDEX "operations_pool_created_idx" ON "operations" USING btree ("pool_id","created_at");--> statement-breakpoint
CREATE INDEX "operations_kind_idx" ON "operations" USING btree ("kind");--> statement-breakpoint
CREATE INDEX "operations_request_id_idx" ON "operations" USING btree ("request_id");--> statement-breakpoint
CREATE INDEX "resource_snapshots_cluster_pool_at_idx" ON "resource_snapshots" USING btree ("cluster_id","pool_id","captured_at");