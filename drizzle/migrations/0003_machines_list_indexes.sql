CREATE INDEX "machines_created_id_idx" ON "machines" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "machines_cluster_created_idx" ON "machines" USING btree ("cluster_id","created_at","id");--> statement-breakpoint
CREATE INDEX "machines_pool_created_idx" ON "machines" USING btree ("pool_id","created_at","id");--> statement-breakpoint
CREATE INDEX "machines_status_created_idx" ON "machines" USING btree ("status","created_at","id");--> statement-breakpoint
CREATE INDEX "machines_region_created_idx" ON "machines" USING btree ("region","created_at","id");--> statement-breakpoint
CREATE INDEX "machines_zone_created_idx" ON "machines" USING btree ("zone","created_at","id");--> statement-breakpoint
CREATE INDEX "machines_labels_gin_idx" ON "machines" USING gin ("labels");