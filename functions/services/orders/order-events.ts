/**
 * What an order change tells the outside world, written in the change's own
 * transaction: its audit entry, and the notification outbox rows
 * (order.created on creation, order.completed / order.failed when it
 * settles). The outbox row carries the order as the API shows it, so a
 * receiver needs no second call.
 */
import type { Db } from "../../../drizzle/client.ts";
import type { Order, OrderStatus } from "../../../drizzle/schema/index.ts";
import type { AuditEntry } from "../audit/audit-entry.ts";
import { enqueueNotification } from "../notifications/enqueue-notification.ts";
import { type OrderView, orderView } from "./order-view.ts";

/** Who creates and approves the orders no person asked for (uncordon orders), as jobs act. */
export const SYSTEM_ACTOR = "system";

export type OrderNotice = "order.created" | "order.completed" | "order.failed";

/** Enqueues the notice and returns the order's view (read in the same transaction). */
export async function notifyOrder(tx: Db, notice: OrderNotice, order: Order, now: Date): Promise<OrderView> {
  const view = await orderView(tx, order);
  await enqueueNotification(tx, { eventType: notice, subjectId: order.id, data: { order: view } }, now);
  return view;
}

/** The notice an order settling in `status` sends, if any. */
export function settledNotice(status: OrderStatus): OrderNotice | null {
  if (status === "completed") return "order.completed";
  if (status === "failed") return "order.failed";
  return null;
}

export function orderAudit(action: string, order: Order, changes: Record<string, unknown> = {}): AuditEntry {
  return {
    action,
    resourceType: "order",
    resourceId: order.id,
    clusterId: order.clusterId,
    changes: { number: order.number, orderAction: order.action, status: order.status, ...changes },
  };
}
