import { sql } from "drizzle-orm";
import { check, integer, jsonb, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, updatedAt } from "./columns.ts";

export const QUERY_TEMPLATE_LOGICS = ["and", "or"] as const;
export type QueryTemplateLogic = (typeof QUERY_TEMPLATE_LOGICS)[number];

/**
 * A group of blocks as stored. The control plane checks every template before
 * writing it (functions/services/device-query/template.ts owns the rules and
 * the precise types); the schema only knows the shape.
 */
export interface StoredQueryGroup {
  logic: QueryTemplateLogic;
  blocks: { type: string; key: string; operator: string; value?: unknown }[];
}

/** Fleet-wide device query templates: which machines a strategy or a person asks for. */
export const queryTemplates = pgTable(
  "query_templates",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    description: text("description"),
    logic: text("logic").$type<QueryTemplateLogic>().notNull(),
    groups: jsonb("groups").$type<StoredQueryGroup[]>().notNull(),
    // optimistic concurrency: every update bumps it
    version: integer("version").notNull().default(0),
    createdBy: text("created_by"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("query_templates_name_uq").on(t.name),
    check("query_templates_logic_ck", sql`${t.logic} in ('and', 'or')`),
  ],
);

export type QueryTemplate = typeof queryTemplates.$inferSelect;
export type NewQueryTemplate = typeof queryTemplates.$inferInsert;
