import { sql } from "drizzle-orm";
import {
  check,
  doublePrecision,
  index,
  integer,
  pgSequence,
  pgTable,
  text,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { clusters } from "./clusters.ts";
import { createdAt, tstz, updatedAt } from "./columns.ts";
import { nodePools } from "./node-pools.ts";
import { strategies } from "./strategies.ts";

export const ORDER_ACTIONS = ["pool_entry", "pool_exit", "maintenance", "uncordon"] as const;
export type OrderAction = (typeof ORDER_ACTIONS)[number];

/** The order lifecycle; the legal moves between them live in functions/services/orders/order-states.ts. */
export const ORDER_STATUSES = [
  "pending",
  "processing",
  "maintenance_in_progress",
  "completed",
  "failed",
  "cancelled",
  "ignored",
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

const list = (values: readonly string[]) => sql.raw(values.map((v) => `'${v}'`).join(", "));

/** Feeds the human-readable order number, ORD-000042: never reused, even after a rollback. */
export const orderNumberSeq = pgSequence("order_number_seq", { startWith: 1 });

/**
 * A work order: machines to bring into a pool, take out of it, take out for
 * maintenance, or return to service. Made by a strategy (strategyId), a
 * person (manual) or an external system (maintenance requests,
 * externalTicketId); a person approves (processing) or ignores it.
 */
export const orders = pgTable(
  "orders",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    number: text("number").notNull().default(sql`'ORD-' || lpad(nextval('order_number_seq')::text, 6, '0')`),
    // null only for maintenance of a machine in the free inventory
    clusterId: uuid("cluster_id").references(() => clusters.id, { onDelete: "restrict" }),
    // an order is history: deleting its pool keeps the order (pool_id null) rather than refusing
    poolId: uuid("pool_id").references(() => nodePools.id, { onDelete: "set null" }),
    // null: a manual order (or one an external system asked for)
    strategyId: uuid("strategy_id").references(() => strategies.id, { onDelete: "set null" }),
    action: text("action").$type<OrderAction>().notNull(),
    status: text("status").$type<OrderStatus>().notNull().default("pending"),
    reason: text("reason"),
    createdBy: text("created_by").notNull(),
    // who approved it (moved it to processing), cancelled or ignored it
    executedBy: text("executed_by"),
    executedAt: tstz("executed_at"),
    completedAt: tstz("completed_at"),
    failureReason: text("failure_reason"),
    // what a strategy saw and the threshold it compared it with (percent)
    triggerValue: doublePrecision("trigger_value"),
    threshold: doublePrecision("threshold"),
    maintenanceWindowStart: tstz("maintenance_window_start"),
    maintenanceWindowEnd: tstz("maintenance_window_end"),
    // an external system's ticket: maintenance requests are idempotent by it
    externalTicketId: text("external_ticket_id"),
    // the maintenance order an uncordon order returns machines from
    parentOrderId: uuid("parent_order_id"),
    version: integer("version").notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("orders_number_uq").on(t.number),
    uniqueIndex("orders_external_ticket_uq")
      .on(t.externalTicketId, t.action)
      .where(sql`${t.externalTicketId} is not null`),
    // cooldown: the latest order for a cluster and pool
    index("orders_cluster_pool_created_idx").on(t.clusterId, t.poolId, t.createdAt),
    index("orders_status_created_idx").on(t.status, t.createdAt, t.id),
    index("orders_created_id_idx").on(t.createdAt, t.id),
    index("orders_strategy_idx").on(t.strategyId),
    check("orders_action_ck", sql`${t.action} in (${list(ORDER_ACTIONS)})`),
    check("orders_status_ck", sql`${t.status} in (${list(ORDER_STATUSES)})`),
    check("orders_pool_needs_cluster_ck", sql`${t.poolId} is null or ${t.clusterId} is not null`),
    check(
      "orders_window_ck",
      sql`${t.maintenanceWindowEnd} is null or ${t.maintenanceWindowStart} is null
        or ${t.maintenanceWindowEnd} > ${t.maintenanceWindowStart}`,
    ),
  ],
);

export type Order = typeof orders.$inferSelect;
export type NewOrder = typeof orders.$inferInsert;
