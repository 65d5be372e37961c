/**
 * Approval: the pending order goes processing (guarded, as decide-order.ts
 * describes) and is executed in the same cluster write (execute-order.ts):
 * machines assigned, unassigned, drained or taken out for maintenance, the
 * agents' state versions bumped, the order settled when nothing is left in
 * progress. The order, its devices, the machines, the audit row
 * (`order.approve`) and any notification commit together.
 */
import type { ServiceCall } from "../context.ts";
import { withClusterWrite } from "../unit-of-work.ts";
import { assertOrderVersion, type OrderDecisionInput } from "./decide-order.ts";
import { executeOrder } from "./execute-order.ts";
import { orderAudit } from "./order-events.ts";
import { checkText, ORDER_REASON_MAX } from "./order-input.ts";
import { findOrder, type OrderView, orderView } from "./order-view.ts";
import { transitionOrder } from "./order-write.ts";

export async function approveOrder({ ctx, input }: ServiceCall<OrderDecisionInput>): Promise<OrderView> {
  checkText("reason", input.reason, ORDER_REASON_MAX);
  return withClusterWrite(ctx, async (tx, write) => {
    const order = await findOrder(tx, input.orderId, input.scopeClusterId, { lock: true });
    assertOrderVersion(order, input.expectedVersion);
    const now = ctx.clock.now();
    const processing = await transitionOrder(tx, {
      order,
      to: "processing",
      patch: { executedBy: ctx.actor, executedAt: now },
      now,
    });
    const { order: after, changes } = await executeOrder(tx, ctx, write, processing);
    write.audit(
      orderAudit("order.approve", after, {
        reason: input.reason ?? null,
        devices: changes.map(({ machineId, hostname, to, error }) => ({
          machineId,
          hostname,
          status: to,
          error,
        })),
      }),
    );
    return orderView(tx, after);
  });
}
