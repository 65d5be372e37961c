CREATE TABLE "allocations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"cluster_id" uuid NOT NULL,
	"pool_id" uuid NOT NULL,
	"request_id" text NOT NULL,
	"delta" integer NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"machine_ids" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "allocations_status_ck" CHECK ("allocations"."status" in ('pending', 'succeeded')),
	CONSTRAINT "allocations_delta_ck" CHECK ("allocations"."delta" >= 1)
);
--> statement-breakpoint
ALTER TABLE "allocations" ADD CONSTRAINT "allocations_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "allocations" ADD CONSTRAINT "allocations_pool_id_node_pools_id_fk" FOREIGN KEY ("pool_id") REFERENCES "public"."node_pools"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "allocations_cluster_request_uq" ON "allocations" USING btree ("cluster_id","request_id");--> statement-breakpoint
CREATE INDEX "allocations_pool_created_idx" ON "allocations" USING btree ("pool_id","created_at");