/**
 * Puts a parked dead letter's stored body back on the job queue, once. In
 * one transaction: the guarded move to `replayed` (dead-letter-transition.ts),
 * its audit row and event, and last the send; a queue that refuses the
 * message rolls it all back, so the letter stays parked and can be replayed
 * again. Only a body that still is a valid job message is sent: anything
 * else would only be parked again. If the message fails again, the consumer
 * parks it as a new dead letter (a new transport message id).
 */
import { AppError } from "../../lib/errors.ts";
import { JobMessageSchema, type JobQueue } from "../../queue/types.ts";
import { recordAudit } from "../audit/record-audit.ts";
import type { ServiceCall } from "../context.ts";
import { DEAD_LETTER_EVENTS, recordDeadLetterEvents } from "./dead-letter-events.ts";
import { moveParked, notParked } from "./dead-letter-transition.ts";
import { type DeadLetterView, findDeadLetter, toDeadLetterView } from "./dead-letter-view.ts";

export interface ReplayDeadLetterInput {
  id: string;
  /** the job queue's producer (AppDeps.jobs); absent on a runtime without one */
  queue: JobQueue | undefined;
}

export async function replayDeadLetter({
  ctx,
  input,
}: ServiceCall<ReplayDeadLetterInput>): Promise<DeadLetterView> {
  const current = await findDeadLetter(ctx.db, input.id);
  if (current.status !== "parked") throw notParked(current, "replay");
  const parsed = JobMessageSchema.safeParse(current.body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? ` (at ${issue.path.join(".")})` : "";
    throw new AppError(
      "illegal_transition",
      `dead letter ${current.id} cannot be replayed: its body is not a job message the consumer would run: ` +
        `${issue?.message ?? "invalid"}${where}; discard it instead`,
      { deadLetterId: current.id },
    );
  }
  const queue = input.queue;
  if (!queue) {
    throw new AppError("dependency_unavailable", "this deployment has no job queue to replay messages onto");
  }
  const now = ctx.clock.now();
  const row = await ctx.db.transaction(async (tx) => {
    const updated = await moveParked(
      tx,
      current,
      "replay",
      {
        status: "replayed",
        replayCount: current.replayCount + 1,
        lastReplayedAt: now,
        lastReplayedBy: ctx.actor,
      },
      now,
    );
    await recordAudit(tx, ctx, {
      action: "dead_letter.replay",
      resourceType: "dead_letter",
      resourceId: current.id,
      clusterId: current.clusterId,
      changes: {
        status: { from: "parked", to: "replayed" },
        messageType: current.messageType,
        job: current.job,
        source: current.source,
        replayCount: updated.replayCount,
      },
    });
    await recordDeadLetterEvents(tx, ctx, DEAD_LETTER_EVENTS.replayed, [updated]);
    // last: once the message is out, only the commit is left to fail
    await queue.send(parsed.data).catch((err: unknown) => {
      throw new AppError(
        "dependency_unavailable",
        "the job queue did not take the message; the dead letter stays parked, try again",
        { deadLetterId: current.id },
        { cause: err },
      );
    });
    return updated;
  });
  ctx.logger.info("dead letter replayed", {
    deadLetterId: row.id,
    messageType: row.messageType,
    job: row.job,
  });
  return toDeadLetterView(row);
}
