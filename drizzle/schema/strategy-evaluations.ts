import { sql } from "drizzle-orm";
import { check, index, jsonb, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { clusters } from "./clusters.ts";
import { createdAt } from "./columns.ts";
import { nodePools } from "./node-pools.ts";
import { orders } from "./orders.ts";
import { strategies } from "./strategies.ts";

export const EVALUATION_RESULTS = [
  "order_created",
  "below_threshold",
  "cooldown",
  "no_stock",
  "error",
] as const;
export type EvaluationResult = (typeof EVALUATION_RESULTS)[number];

/** One strategy's evaluation of one pool: GET /v1/strategies/{id}/history. */
export const strategyEvaluations = pgTable(
  "strategy_evaluations",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    strategyId: uuid("strategy_id")
      .notNull()
      .references(() => strategies.id, { onDelete: "cascade" }),
    clusterId: uuid("cluster_id")
      .notNull()
      .references(() => clusters.id, { onDelete: "cascade" }),
    poolId: uuid("pool_id")
      .notNull()
      .references(() => nodePools.id, { onDelete: "cascade" }),
    // which scheduled run this was (the UTC day, "2026-12-07"): a redelivered message finds its
    // row and creates nothing twice
    runKey: text("run_key").notNull(),
    result: text("result").$type<EvaluationResult>().notNull(),
    // what the evaluation saw: utilisation per day, the run length, candidates, the device count
    observed: jsonb("observed").$type<Record<string, unknown>>().notNull().default({}),
    reason: text("reason").notNull(),
    orderId: uuid("order_id").references(() => orders.id, { onDelete: "set null" }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("strategy_evaluations_run_uq").on(t.strategyId, t.clusterId, t.poolId, t.runKey),
    index("strategy_evaluations_strategy_created_idx").on(t.strategyId, t.createdAt, t.id),
    check(
      "strategy_evaluations_result_ck",
      sql`${t.result} in ('order_created', 'below_threshold', 'cooldown', 'no_stock', 'error')`,
    ),
  ],
);

export type StrategyEvaluation = typeof strategyEvaluations.$inferSelect;
export type NewStrategyEvaluation = typeof strategyEvaluations.$inferInsert;
