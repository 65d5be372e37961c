ALTER TABLE "machines" ADD COLUMN "created_by" text;--> statement-breakpoint
ALTER TABLE "machines" ADD COLUMN "origin_cluster_id" uuid;--> statement-breakpoint
ALTER TABLE "machines" ADD COLUMN "identity_set_by" text;--> statement-breakpoint
ALTER TABLE "machines" ADD COLUMN "identity_scope_cluster_id" uuid;--> statement-breakpoint
ALTER TABLE "machines" ADD COLUMN "identity_confirmed_by" text;--> statement-breakpoint
ALTER TABLE "machines" ADD COLUMN "identity_confirmed_at" timestamp with time zone;