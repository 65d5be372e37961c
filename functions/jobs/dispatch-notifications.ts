/**
 * Sends the notification outbox on every scheduler tick (the services write
 * `pending` rows in the transactions of their changes). Cheap when nothing is
 * due: one UPDATE over the partial index of pending rows finds nothing.
 */
import { and, eq, min } from "drizzle-orm";
import { notifications } from "../../drizzle/schema/index.ts";
import { sendDueNotifications } from "../services/notifications/send-due-notifications.ts";
import { markerCheck, readWorkToken, rememberIdle } from "./idle.ts";
import { jobServiceContext } from "./job-context.ts";
import type { Job } from "./types.ts";

export const DISPATCH_NOTIFICATIONS_JOB = "dispatch-notifications";

/**
 * Idle while nothing was written since the last look (notifications are queued by writes: /v1
 * requests, cluster writes and queued jobs replace the work token, and the scheduled jobs that
 * queue them do so themselves) and the earliest retry it found, if any, is still ahead.
 */
export const dispatchNotificationsJob: Job = {
  name: DISPATCH_NOTIFICATIONS_JOB,
  // a run is at most a few batches of sends, each bounded by the sender's timeout
  lockTtlMs: 5 * 60_000,
  idle: markerCheck(
    DISPATCH_NOTIFICATIONS_JOB,
    (marker, view) =>
      marker.until === null || (typeof marker.until === "number" && view.now.getTime() < marker.until),
  ),
  async run(ctx) {
    const token = await readWorkToken(ctx);
    const service = await jobServiceContext(ctx);
    // after this run: when the next pending notification falls due (a retry, or a claim's lease)
    const remember = async () => {
      const [next] = await service.db
        .select({ at: min(notifications.nextAttemptAt) })
        .from(notifications)
        .where(and(eq(notifications.status, "pending")));
      const until = next?.at ? new Date(next.at).getTime() : null;
      await rememberIdle(ctx, DISPATCH_NOTIFICATIONS_JOB, { until }, token);
    };
    const result = await sendDueNotifications({ ctx: service, input: { transport: ctx.webhooks } });
    await remember();
    if (result.sent + result.retrying + result.failed === 0) return;
    ctx.logger[result.failed > 0 ? "warn" : "info"]("notifications dispatched", {
      transport: ctx.webhooks.kind,
      ...result,
    });
  },
};
