/**
 * Sends the notification outbox on every scheduler tick (the services write
 * `pending` rows in the transactions of their changes). Cheap when nothing is
 * due: one UPDATE over the partial index of pending rows finds nothing.
 */
import { sendDueNotifications } from "../services/notifications/send-due-notifications.ts";
import { jobServiceContext } from "./job-context.ts";
import type { Job } from "./types.ts";

export const DISPATCH_NOTIFICATIONS_JOB = "dispatch-notifications";

export const dispatchNotificationsJob: Job = {
  name: DISPATCH_NOTIFICATIONS_JOB,
  // a run is at most a few batches of sends, each bounded by the sender's timeout
  lockTtlMs: 5 * 60_000,
  async run(ctx) {
    const service = await jobServiceContext(ctx);
    const result = await sendDueNotifications({ ctx: service, input: { transport: ctx.webhooks } });
    if (result.sent + result.retrying + result.failed === 0) return;
    ctx.logger[result.failed > 0 ? "warn" : "info"]("notifications dispatched", {
      transport: ctx.webhooks.kind,
      ...result,
    });
  },
};
