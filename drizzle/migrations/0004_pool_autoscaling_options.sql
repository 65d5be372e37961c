ALTER TABLE "node_pools" ADD COLUMN "autoscaling_options" jsonb;--> statement-breakpoint
ALTER TABLE "node_pools" ADD COLUMN "hourly_price" double precision;--> statement-breakpoint
ALTER TABLE "node_pools" ADD CONSTRAINT "node_pools_hourly_price_ck" CHECK ("node_pools"."hourly_price" >= 0 and "node_pools"."hourly_price" <= 1000000);--> statement-breakpoint
ALTER TABLE "node_pools" ADD CONSTRAINT "node_pools_autoscaling_options_ck" CHECK (jsonb_typeof("node_pools"."autoscaling_options") = 'object');