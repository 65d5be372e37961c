import { sql } from "drizzle-orm";
import { boolean, check, integer, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, updatedAt } from "./columns.ts";
import { queryTemplates } from "./query-templates.ts";

/** What a capacity order does to a pool: bring machines in, or take them out. */
export const POOL_ACTIONS = ["pool_entry", "pool_exit"] as const;
export type PoolAction = (typeof POOL_ACTIONS)[number];

/**
 * Which machines suit a kind of pool: for pools of `poolType` (a pool
 * attribute), the query template that picks entry candidates from the free
 * inventory, or exit candidates from the pool.
 */
export const matchingPolicies = pgTable(
  "matching_policies",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    poolType: text("pool_type").notNull(),
    action: text("action").$type<PoolAction>().notNull(),
    // a template in use cannot be deleted out from under the policy
    templateId: uuid("template_id")
      .notNull()
      .references(() => queryTemplates.id, { onDelete: "restrict" }),
    enabled: boolean("enabled").notNull().default(true),
    version: integer("version").notNull().default(0),
    createdBy: text("created_by"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    // one policy per pool type and action, so "which template applies" has one answer
    uniqueIndex("matching_policies_type_action_uq").on(t.poolType, t.action),
    check("matching_policies_action_ck", sql`${t.action} in ('pool_entry', 'pool_exit')`),
  ],
);

export type MatchingPolicy = typeof matchingPolicies.$inferSelect;
export type NewMatchingPolicy = typeof matchingPolicies.$inferInsert;
