import { sql } from "drizzle-orm";
import { check, index, integer, jsonb, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { clusters } from "./clusters.ts";
import { createdAt, tstz } from "./columns.ts";
import { machines } from "./machines.ts";
import { nodePools } from "./node-pools.ts";

export const OPERATION_STATUSES = ["pending", "running", "succeeded", "failed", "cancelled"] as const;
export type OperationStatus = (typeof OPERATION_STATUSES)[number];

/**
 * Operations and events share one table: an event is an operation that
 * started and ended at once (e.g. one machine transition), an operation
 * (e.g. a scale-up) spans time and may carry an idempotency request id.
 */
export const operations = pgTable(
  "operations",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    // dotted names, e.g. "machine.transition", "pool.scale_up"
    kind: text("kind").notNull(),
    status: text("status").$type<OperationStatus>().notNull().default("succeeded"),
    requestId: text("request_id"),
    clusterId: uuid("cluster_id").references(() => clusters.id, { onDelete: "set null" }),
    poolId: uuid("pool_id").references(() => nodePools.id, { onDelete: "set null" }),
    machineId: uuid("machine_id").references(() => machines.id, { onDelete: "set null" }),
    delta: integer("delta"),
    error: text("error"),
    metadata: jsonb("metadata").$type<Record<string, unknown>>().notNull().default({}),
    startedAt: tstz("started_at").notNull().defaultNow(),
    endedAt: tstz("ended_at"),
    createdAt: createdAt(),
  },
  (t) => [
    index("operations_cluster_created_idx").on(t.clusterId, t.createdAt),
    index("operations_machine_created_idx").on(t.machineId, t.createdAt),
    index("operations_pool_created_idx").on(t.poolId, t.createdAt),
    index("operations_kind_idx").on(t.kind),
    index("operations_request_id_idx").on(t.requestId),
    check(
      "operations_status_ck",
      sql`${t.status} in ('pending', 'running', 'succeeded', 'failed', 'cancelled')`,
    ),
  ],
);

export type Operation = typeof operations.$inferSelect;
export type NewOperation = typeof operations.$inferInsert;
