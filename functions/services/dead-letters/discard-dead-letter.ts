/**
 * Marks a parked dead letter as dealt with without running it: the row
 * stays (with its body and reason) for the record, out of the parked view.
 * Guarded like replay; audited; an event says who discarded what.
 */
import { recordAudit } from "../audit/record-audit.ts";
import type { ServiceCall } from "../context.ts";
import { DEAD_LETTER_EVENTS, recordDeadLetterEvents } from "./dead-letter-events.ts";
import { moveParked } from "./dead-letter-transition.ts";
import { type DeadLetterView, findDeadLetter, toDeadLetterView } from "./dead-letter-view.ts";

export async function discardDeadLetter({
  ctx,
  input,
}: ServiceCall<{ id: string }>): Promise<DeadLetterView> {
  const current = await findDeadLetter(ctx.db, input.id);
  const now = ctx.clock.now();
  const row = await ctx.db.transaction(async (tx) => {
    const updated = await moveParked(tx, current, "discard", { status: "discarded" }, now);
    await recordAudit(tx, ctx, {
      action: "dead_letter.discard",
      resourceType: "dead_letter",
      resourceId: current.id,
      clusterId: current.clusterId,
      changes: {
        status: { from: "parked", to: "discarded" },
        messageType: current.messageType,
        job: current.job,
        source: current.source,
      },
    });
    await recordDeadLetterEvents(tx, ctx, DEAD_LETTER_EVENTS.discarded, [updated]);
    return updated;
  });
  return toDeadLetterView(row);
}
