import { sql } from "drizzle-orm";
import { check, index, integer, jsonb, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { clusters } from "./clusters.ts";
import { createdAt } from "./columns.ts";
import { nodePools } from "./node-pools.ts";

export const ALLOCATION_STATUSES = ["pending", "succeeded"] as const;
export type AllocationStatus = (typeof ALLOCATION_STATUSES)[number];

/**
 * The agent's scale-up requests, made idempotent by (cluster, request id): a
 * retry reads the machines of the stored row instead of reserving again. The
 * row is written in the reservation's own transaction, so it exists exactly
 * when the reservation committed; failed attempts leave no row (a retry may
 * succeed later). `pending` is only ever seen inside that transaction.
 */
export const allocations = pgTable(
  "allocations",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    clusterId: uuid("cluster_id")
      .notNull()
      .references(() => clusters.id, { onDelete: "cascade" }),
    poolId: uuid("pool_id")
      .notNull()
      .references(() => nodePools.id, { onDelete: "cascade" }),
    // chosen by the agent; the idempotency key within its cluster
    requestId: text("request_id").notNull(),
    delta: integer("delta").notNull(),
    status: text("status").$type<AllocationStatus>().notNull().default("pending"),
    // in reservation order, so a retry returns the same list in the same order
    machineIds: jsonb("machine_ids").$type<string[]>().notNull().default([]),
    error: text("error"),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("allocations_cluster_request_uq").on(t.clusterId, t.requestId),
    index("allocations_pool_created_idx").on(t.poolId, t.createdAt),
    check("allocations_status_ck", sql`${t.status} in ('pending', 'succeeded')`),
    check("allocations_delta_ck", sql`${t.delta} >= 1`),
  ],
);

export type Allocation = typeof allocations.$inferSelect;
export type NewAllocation = typeof allocations.$inferInsert;
