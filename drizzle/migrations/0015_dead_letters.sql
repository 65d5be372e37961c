CREATE TABLE "dead_letters" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"source" text NOT NULL,
	"queue" text NOT NULL,
	"message_id" text,
	"body" jsonb NOT NULL,
	"message_type" text,
	"job" text,
	"cluster_id" uuid,
	"reason" text NOT NULL,
	"attempts" integer NOT NULL,
	"status" text DEFAULT 'parked' NOT NULL,
	"parked_at" timestamp with time zone NOT NULL,
	"replay_count" integer DEFAULT 0 NOT NULL,
	"last_replayed_at" timestamp with time zone,
	"last_replayed_by" text,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "dead_letters_source_ck" CHECK ("dead_letters"."source" in ('consumer', 'dlq')),
	CONSTRAINT "dead_letters_status_ck" CHECK ("dead_letters"."status" in ('parked', 'replayed', 'discarded'))
);
--> statement-breakpoint
CREATE INDEX "dead_letters_status_parked_idx" ON "dead_letters" USING btree ("status","parked_at");--> statement-breakpoint
CREATE UNIQUE INDEX "dead_letters_source_message_uq" ON "dead_letters" USING btree ("source","message_id") WHERE "dead_letters"."message_id" is not null;