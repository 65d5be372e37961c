/**
 * Follows processing orders to completion on every tick: exit machines the
 * agent drained and reset are unassigned to the free inventory, maintenance
 * machines the agent reported in maintenance move their order to
 * maintenance_in_progress, faults fail their device, and orders settle with
 * their notifications (services/orders/track-orders.ts). Idempotent: every
 * change is guarded, and a run with nothing open is one indexed query.
 */

import { markWorkChanged } from "../lib/coordination/work-token.ts";
import { trackOrders } from "../services/orders/track-orders.ts";
import { markerCheck, readWorkToken, rememberIdle } from "./idle.ts";
import { jobServiceContext } from "./job-context.ts";
import type { Job } from "./types.ts";

export const TRACK_ORDERS_JOB = "track-orders";

/** Idle while no order was open at the last look and nothing was written since (orders are writes). */
export const trackOrdersJob: Job = {
  name: TRACK_ORDERS_JOB,
  lockTtlMs: 60_000,
  idle: markerCheck(TRACK_ORDERS_JOB, (marker) => marker.open === 0),
  async run(ctx) {
    const token = await readWorkToken(ctx);
    const summary = await trackOrders(await jobServiceContext(ctx));
    if (summary.advanced > 0 || summary.failed > 0) ctx.logger.info("orders tracked", { ...summary });
    // a settled order queues notifications and frees machines
    if (summary.advanced > 0) await markWorkChanged(ctx.coordination, ctx.logger);
    if (summary.open === 0) await rememberIdle(ctx, TRACK_ORDERS_JOB, { open: 0 }, token);
  },
};
