/**
 * The events a dead letter leaves in the event log (GET /v1/events): parked,
 * replayed, discarded. They say what the message was, why and how often it
 * failed, never its whole body. The cluster column is set only while the
 * cluster exists (operations.cluster_id has a foreign key; a message may
 * outlive its cluster), the id is in the metadata either way.
 */
import { sql } from "drizzle-orm";
import type { Db } from "../../../drizzle/client.ts";
import type { DeadLetterRow } from "../../../drizzle/schema/dead-letters.ts";
import { operations } from "../../../drizzle/schema/operations.ts";
import type { ServiceContext } from "../context.ts";

export const DEAD_LETTER_EVENTS = {
  parked: "queue.message_parked",
  replayed: "queue.message_replayed",
  discarded: "queue.message_discarded",
} as const;

export type DeadLetterEventKind = (typeof DEAD_LETTER_EVENTS)[keyof typeof DEAD_LETTER_EVENTS];

export async function recordDeadLetterEvents(
  tx: Db,
  ctx: ServiceContext,
  kind: DeadLetterEventKind,
  rows: readonly DeadLetterRow[],
): Promise<void> {
  if (rows.length === 0) return;
  const now = ctx.clock.now();
  await tx.insert(operations).values(
    rows.map((row) => ({
      kind,
      // parking is a message's failure; a replay or a discard is an operator's action that succeeded
      status: kind === DEAD_LETTER_EVENTS.parked ? ("failed" as const) : ("succeeded" as const),
      requestId: ctx.requestId,
      clusterId:
        row.clusterId === null ? null : sql`(select id from clusters where id = ${row.clusterId}::uuid)`,
      error: kind === DEAD_LETTER_EVENTS.parked ? row.reason : null,
      metadata: {
        deadLetterId: row.id,
        source: row.source,
        queue: row.queue,
        messageType: row.messageType,
        job: row.job,
        clusterId: row.clusterId,
        reason: row.reason,
        attempts: row.attempts,
        actor: ctx.actor,
        ...(kind === DEAD_LETTER_EVENTS.replayed ? { replayCount: row.replayCount } : {}),
      },
      startedAt: now,
      endedAt: now,
    })),
  );
}
