CREATE TABLE "pool_status_samples" (
	"cluster_id" uuid NOT NULL,
	"pool_id" uuid NOT NULL,
	"sampled_at" timestamp with time zone NOT NULL,
	"counts" jsonb DEFAULT '{}'::jsonb NOT NULL,
	CONSTRAINT "pool_status_samples_pk" PRIMARY KEY("pool_id","sampled_at"),
	CONSTRAINT "pool_status_samples_counts_ck" CHECK (jsonb_typeof("pool_status_samples"."counts") = 'object')
);
--> statement-breakpoint
ALTER TABLE "pool_status_samples" ADD CONSTRAINT "pool_status_samples_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pool_status_samples" ADD CONSTRAINT "pool_status_samples_pool_id_node_pools_id_fk" FOREIGN KEY ("pool_id") REFERENCES "public"."node_pools"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "pool_status_samples_sampled_at_idx" ON "pool_status_samples" USING btree ("sampled_at");