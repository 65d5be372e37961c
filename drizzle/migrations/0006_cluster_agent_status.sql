ALTER TABLE "clusters" ADD COLUMN "node_count_total" integer;--> statement-breakpoint
ALTER TABLE "clusters" ADD COLUMN "node_count_ready" integer;--> statement-breakpoint
ALTER TABLE "clusters" ADD COLUMN "node_counts_reported_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "clusters" ADD COLUMN "leader_identity" text;--> statement-breakpoint
ALTER TABLE "clusters" ADD COLUMN "leader_since" timestamp with time zone;