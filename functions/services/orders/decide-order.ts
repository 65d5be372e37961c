/**
 * A person's decision on a pending order: approve it (it goes processing and
 * is executed in the same transaction: approve-order.ts), or ignore or
 * cancel it. Ignoring says "not now" to a strategy's proposal and still
 * counts toward the strategy's cooldown; cancelling withdraws the order.
 *
 * Each is a guarded transition (order-write.ts): of two people deciding at
 * once exactly one wins, the other gets a 409 (illegal_transition when the
 * order is no longer pending, stale_version with an expectedVersion that is
 * not the order's). The order row is locked first, so the loser reads the
 * winner's result. The change and its audit row commit together.
 */
import type { Order, OrderStatus } from "../../../drizzle/schema/index.ts";
import { AppError } from "../../lib/errors.ts";
import { recordAudit } from "../audit/record-audit.ts";
import type { ServiceCall } from "../context.ts";
import { orderAudit } from "./order-events.ts";
import { checkText, ORDER_REASON_MAX } from "./order-input.ts";
import { findOrder, type OrderScope, type OrderView, orderView } from "./order-view.ts";
import { transitionOrder } from "./order-write.ts";

export interface OrderDecisionInput {
  orderId: string;
  /** refuse with 409 stale_version unless the order is still at this version */
  expectedVersion?: number | undefined;
  reason?: string | undefined;
  scopeClusterId: OrderScope;
}

export function assertOrderVersion(order: Order, expectedVersion: number | undefined): void {
  if (expectedVersion !== undefined && expectedVersion !== order.version) {
    throw new AppError(
      "stale_version",
      `order ${order.number} is at version ${order.version}, not ${expectedVersion}; read it again`,
      { orderId: order.id, expectedVersion, actualVersion: order.version },
    );
  }
}

async function closeOrder(
  { ctx, input }: ServiceCall<OrderDecisionInput>,
  to: Extract<OrderStatus, "ignored" | "cancelled">,
  action: string,
): Promise<OrderView> {
  checkText("reason", input.reason, ORDER_REASON_MAX);
  return ctx.db.transaction(async (tx) => {
    const order = await findOrder(tx, input.orderId, input.scopeClusterId, { lock: true });
    assertOrderVersion(order, input.expectedVersion);
    const now = ctx.clock.now();
    const closed = await transitionOrder(tx, {
      order,
      to,
      patch: { executedBy: ctx.actor, executedAt: now, completedAt: now },
      now,
    });
    await recordAudit(
      tx,
      ctx,
      orderAudit(action, closed, { from: order.status, reason: input.reason ?? null }),
    );
    return orderView(tx, closed);
  });
}

export function ignoreOrder(call: ServiceCall<OrderDecisionInput>): Promise<OrderView> {
  return closeOrder(call, "ignored", "order.ignore");
}

export function cancelOrder(call: ServiceCall<OrderDecisionInput>): Promise<OrderView> {
  return closeOrder(call, "cancelled", "order.cancel");
}
