CREATE TABLE "query_templates" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"logic" text NOT NULL,
	"groups" jsonb NOT NULL,
	"version" integer DEFAULT 0 NOT NULL,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "query_templates_logic_ck" CHECK ("query_templates"."logic" in ('and', 'or'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX "query_templates_name_uq" ON "query_templates" USING btree ("name");