/**
 * Follows processing orders to their end (the track-orders job runs it on
 * every tick). An exit or maintenance order waits on the agent: it drains
 * the machines the approval put in draining, then resets them (exit) or
 * reports them in maintenance. Each in-progress device settles from where
 * its machine got to (device-plans.ts `planProgress`): an exit machine back
 * to available in the pool is unassigned to the free inventory (done), a
 * fault fails the device, a maintenance machine in maintenance is done; the
 * order then settles (completed, failed, or maintenance_in_progress) with its
 * notification.
 *
 * Cheap when nothing is open: one query on orders_status_created_idx. Each
 * order is advanced in a cluster write of its own with its row locked, and
 * only from `processing`, so a run racing another, an approval or a
 * completion changes nothing twice; one order's failure does not stop the others.
 */
import { asc, eq } from "drizzle-orm";
import { orders } from "../../../drizzle/schema/index.ts";
import type { ServiceContext } from "../context.ts";
import { withClusterWrite } from "../unit-of-work.ts";
import { applyPlans, devicesAfter, lockedDevices, settleOrder } from "./advance-order.ts";
import { planProgress } from "./device-plans.ts";
import { orderAudit } from "./order-events.ts";
import { findOrder } from "./order-view.ts";

export const ORDER_PROGRESS_ACTION = "order.progress";

export interface TrackSummary {
  /** processing orders looked at */
  open: number;
  /** orders whose devices or status changed */
  advanced: number;
  /** orders that could not be advanced this time (logged; retried next run) */
  failed: number;
}

export async function trackOrders(ctx: ServiceContext): Promise<TrackSummary> {
  const open = await ctx.db
    .select({ id: orders.id })
    .from(orders)
    .where(eq(orders.status, "processing"))
    .orderBy(asc(orders.createdAt), asc(orders.id));
  const summary: TrackSummary = { open: open.length, advanced: 0, failed: 0 };
  for (const { id } of open) {
    try {
      if (await advanceOrder(ctx, id)) summary.advanced++;
    } catch (err) {
      summary.failed++;
      ctx.logger.warn("order could not be advanced; retried next run", { orderId: id, error: err });
    }
  }
  return summary;
}

/** One processing order: settle what its machines allow. Whether anything changed. */
export async function advanceOrder(ctx: ServiceContext, orderId: string): Promise<boolean> {
  return withClusterWrite(ctx, async (tx, write) => {
    const order = await findOrder(tx, orderId, null, { lock: true });
    if (order.status !== "processing") return false;
    const rows = await lockedDevices(tx, order.id);
    const planned = rows
      .filter((row) => row.device.status === "in_progress")
      .map((row) => ({ row, plan: planProgress(order, row.machine) }));
    const changes = await applyPlans(tx, ctx, write, order, planned);
    const after = await settleOrder(tx, ctx, order, devicesAfter(rows, changes));
    if (changes.length === 0 && after.status === order.status) return false;
    write.audit(
      orderAudit(ORDER_PROGRESS_ACTION, after, {
        from: order.status,
        devices: changes.map(({ machineId, hostname, to, error }) => ({
          machineId,
          hostname,
          status: to,
          error,
        })),
      }),
    );
    return true;
  });
}
