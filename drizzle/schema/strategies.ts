import { sql } from "drizzle-orm";
import {
  check,
  doublePrecision,
  integer,
  jsonb,
  pgTable,
  text,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { createdAt, updatedAt } from "./columns.ts";
import type { PoolAction } from "./matching-policies.ts";
import { type QueryTemplateLogic, queryTemplates, type StoredQueryGroup } from "./query-templates.ts";

export const STRATEGY_STATUSES = ["enabled", "disabled"] as const;
export type StrategyStatus = (typeof STRATEGY_STATUSES)[number];

/** usage: what pods use (metrics); allocated: what pods request; both as a share of allocatable. */
export const THRESHOLD_TYPES = ["usage", "allocated"] as const;
export type ThresholdType = (typeof THRESHOLD_TYPES)[number];

/**
 * A capacity strategy: when a pool's daily CPU and/or memory utilisation has
 * stayed past a threshold for `durationDays` days in a row, propose an order
 * that brings utilisation to the target (entry: add machines; exit: remove
 * them). A metric whose threshold is null is not considered.
 */
export const strategies = pgTable(
  "strategies",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    description: text("description"),
    action: text("action").$type<PoolAction>().notNull(),
    // percentages, 0–100
    cpuThreshold: doublePrecision("cpu_threshold"),
    cpuThresholdType: text("cpu_threshold_type").$type<ThresholdType>().notNull().default("usage"),
    cpuTarget: doublePrecision("cpu_target"),
    memoryThreshold: doublePrecision("memory_threshold"),
    memoryThresholdType: text("memory_threshold_type").$type<ThresholdType>().notNull().default("usage"),
    memoryTarget: doublePrecision("memory_target"),
    conditionLogic: text("condition_logic").$type<QueryTemplateLogic>().notNull().default("or"),
    durationDays: integer("duration_days").notNull(),
    cooldownDays: integer("cooldown_days").notNull().default(0),
    maxDevices: integer("max_devices").notNull(),
    // empty: every cluster (pool) the strategy can see
    scopeClusterIds: jsonb("scope_cluster_ids").$type<string[]>().notNull().default([]),
    scopePoolIds: jsonb("scope_pool_ids").$type<string[]>().notNull().default([]),
    // null: the pool type's matching policy decides
    entryTemplateId: uuid("entry_template_id").references(() => queryTemplates.id, { onDelete: "restrict" }),
    exitTemplateId: uuid("exit_template_id").references(() => queryTemplates.id, { onDelete: "restrict" }),
    // ANDed with the template, as POST /v1/device-query's `extra`
    extraConditions: jsonb("extra_conditions").$type<StoredQueryGroup[]>().notNull().default([]),
    status: text("status").$type<StrategyStatus>().notNull().default("enabled"),
    version: integer("version").notNull().default(0),
    createdBy: text("created_by"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("strategies_name_uq").on(t.name),
    check("strategies_action_ck", sql`${t.action} in ('pool_entry', 'pool_exit')`),
    check("strategies_status_ck", sql`${t.status} in ('enabled', 'disabled')`),
    check("strategies_logic_ck", sql`${t.conditionLogic} in ('and', 'or')`),
    check(
      "strategies_threshold_types_ck",
      sql`${t.cpuThresholdType} in ('usage', 'allocated') and ${t.memoryThresholdType} in ('usage', 'allocated')`,
    ),
    check(
      "strategies_percentages_ck",
      sql`coalesce(${t.cpuThreshold}, 0) between 0 and 100 and coalesce(${t.cpuTarget}, 0) between 0 and 100
        and coalesce(${t.memoryThreshold}, 0) between 0 and 100 and coalesce(${t.memoryTarget}, 0) between 0 and 100`,
    ),
    // a metric is considered with both its threshold and its target, or not at all
    check(
      "strategies_metric_pairs_ck",
      sql`(${t.cpuThreshold} is null) = (${t.cpuTarget} is null)
        and (${t.memoryThreshold} is null) = (${t.memoryTarget} is null)
        and (${t.cpuThreshold} is not null or ${t.memoryThreshold} is not null)`,
    ),
    check(
      "strategies_counts_ck",
      sql`${t.durationDays} between 1 and 366 and ${t.cooldownDays} between 0 and 366 and ${t.maxDevices} >= 1`,
    ),
  ],
);

export type Strategy = typeof strategies.$inferSelect;
export type NewStrategy = typeof strategies.$inferInsert;
