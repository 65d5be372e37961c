/**
 * Records job-queue messages that were given up on: one dead_letters row
 * each (the body as delivered, why, after how many deliveries) and a
 * `queue.message_parked` event, in one transaction. A message the transport
 * delivers again after it was recorded (an ack that was lost, a dead-letter
 * queue that redelivers) is recorded once: rows are unique by source and
 * transport message id. Throws when the database cannot take them, so the
 * caller retries the message instead of acking it unrecorded.
 */
import { sql } from "drizzle-orm";
import { type DeadLetterSource, deadLetters } from "../../../drizzle/schema/dead-letters.ts";
import { maskSecrets } from "../../../shared/mask-secrets.ts";
import type { ServiceCall } from "../context.ts";
import { DEAD_LETTER_EVENTS, recordDeadLetterEvents } from "./dead-letter-events.ts";
import { describeBody } from "./dead-letter-view.ts";

export interface DeadLetterInput {
  body: unknown;
  attempts: number;
  reason: string;
  messageId?: string | undefined;
  queue?: string | undefined;
}

export interface RecordDeadLettersInput {
  source: DeadLetterSource;
  letters: readonly DeadLetterInput[];
}

/** Longer reasons are cut: an error message may quote a whole response. */
const REASON_MAX = 2_000;

export async function recordDeadLetters({
  ctx,
  input,
}: ServiceCall<RecordDeadLettersInput>): Promise<{ recorded: string[] }> {
  if (input.letters.length === 0) return { recorded: [] };
  const parkedAt = ctx.clock.now();
  const rows = input.letters.map((letter) => ({
    source: input.source,
    queue: letter.queue ?? "unknown",
    messageId: letter.messageId ?? null,
    body: storableBody(letter.body),
    ...describeBody(letter.body),
    reason: maskSecrets(letter.reason).slice(0, REASON_MAX),
    attempts: Math.max(0, Math.trunc(letter.attempts)),
    parkedAt,
  }));
  return ctx.db.transaction(async (tx) => {
    const inserted = await tx
      .insert(deadLetters)
      .values(rows)
      .onConflictDoNothing({
        target: [deadLetters.source, deadLetters.messageId],
        where: sql`message_id is not null`,
      })
      .returning();
    await recordDeadLetterEvents(tx, ctx, DEAD_LETTER_EVENTS.parked, inserted);
    return { recorded: inserted.map((r) => r.id) };
  });
}

/**
 * The body as JSON. Our producers send JSON, but a queue carries any structured-clone value: one
 * that JSON cannot hold (or no body at all) is kept as its description rather than failing the record.
 */
function storableBody(body: unknown): unknown {
  try {
    const json = JSON.stringify(body);
    if (json !== undefined && body !== null) return JSON.parse(json);
  } catch {
    // a BigInt or a cycle: described below
  }
  return { unstorableBody: String(body).slice(0, REASON_MAX) };
}
