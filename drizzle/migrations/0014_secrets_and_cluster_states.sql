CREATE TABLE "cluster_kubeconfigs" (
	"cluster_id" uuid PRIMARY KEY NOT NULL,
	"ciphertext" text NOT NULL,
	"encryption_key_id" text NOT NULL,
	"server" text NOT NULL,
	"context_name" text NOT NULL,
	"auth_kind" text NOT NULL,
	"has_certificate_authority" boolean DEFAULT false NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "cluster_kubeconfigs_auth_kind_ck" CHECK ("cluster_kubeconfigs"."auth_kind" in ('token', 'client-certificate', 'basic'))
);
--> statement-breakpoint
CREATE TABLE "cluster_states" (
	"cluster_id" uuid PRIMARY KEY NOT NULL,
	"status" text NOT NULL,
	"error" text,
	"kubernetes_version" text,
	"node_count_total" integer,
	"node_count_ready" integer,
	"cpu_capacity_millis" bigint,
	"memory_capacity_bytes" bigint,
	"cpu_allocatable_millis" bigint,
	"memory_allocatable_bytes" bigint,
	"latency_ms" integer,
	"kubeconfig_version" integer NOT NULL,
	"checked_at" timestamp with time zone NOT NULL,
	"last_healthy_at" timestamp with time zone,
	"consecutive_failures" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "cluster_states_status_ck" CHECK ("cluster_states"."status" in ('healthy', 'degraded', 'unreachable', 'unauthorized'))
);
--> statement-breakpoint
CREATE TABLE "ssh_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"algorithm" text NOT NULL,
	"fingerprint" text NOT NULL,
	"public_key" text NOT NULL,
	"secret_ciphertext" text NOT NULL,
	"encryption_key_id" text NOT NULL,
	"has_passphrase" boolean DEFAULT false NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"rotated_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ssh_keys_version_ck" CHECK ("ssh_keys"."version" >= 1)
);
--> statement-breakpoint
ALTER TABLE "cluster_kubeconfigs" ADD CONSTRAINT "cluster_kubeconfigs_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cluster_states" ADD CONSTRAINT "cluster_states_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "cluster_kubeconfigs_encryption_key_id_idx" ON "cluster_kubeconfigs" USING btree ("encryption_key_id");--> statement-breakpoint
CREATE INDEX "cluster_states_status_idx" ON "cluster_states" USING btree ("status");--> statement-breakpoint
CREATE UNIQUE INDEX "ssh_keys_name_uq" ON "ssh_keys" USING btree ("name");--> statement-breakpoint
CREATE INDEX "ssh_keys_encryption_key_id_idx" ON "ssh_keys" USING btree ("encryption_key_id");--> statement-breakpoint
CREATE INDEX "clusters_live_created_idx" ON "clusters" USING btree ("created_at","id") WHERE "clusters"."deleted_at" is null;