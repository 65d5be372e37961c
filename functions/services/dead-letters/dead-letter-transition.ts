/**
 * The guarded move of a parked dead letter (replay, discard): the row changes
 * only if it is still parked and still at the version that was read
 * (`WHERE id = ? AND version = v AND status = 'parked'`), inside the caller's
 * transaction. Of two operators pressing the same button one wins; the
 * other is told why, never a silent second effect.
 */
import { and, eq } from "drizzle-orm";
import type { Db } from "../../../drizzle/client.ts";
import { type DeadLetterRow, deadLetters } from "../../../drizzle/schema/dead-letters.ts";
import { AppError } from "../../lib/errors.ts";

type Changes = Partial<Pick<DeadLetterRow, "status" | "replayCount" | "lastReplayedAt" | "lastReplayedBy">>;

/** Why a dead letter that is not parked cannot be replayed or discarded. */
export function notParked(row: DeadLetterRow, action: "replay" | "discard"): AppError {
  const why =
    row.status === "replayed"
      ? `was replayed${row.lastReplayedAt ? ` at ${row.lastReplayedAt.toISOString()}` : ""}${
          row.lastReplayedBy ? ` by ${row.lastReplayedBy}` : ""
        }; if it failed again it is parked as a new dead letter`
      : "was discarded";
  return new AppError("illegal_transition", `cannot ${action} dead letter ${row.id}: it ${why}`, {
    deadLetterId: row.id,
    status: row.status,
  });
}

export async function moveParked(
  tx: Db,
  current: DeadLetterRow,
  action: "replay" | "discard",
  changes: Changes,
  now: Date,
): Promise<DeadLetterRow> {
  if (current.status !== "parked") throw notParked(current, action);
  const [updated] = await tx
    .update(deadLetters)
    .set({ ...changes, version: current.version + 1, updatedAt: now })
    .where(
      and(
        eq(deadLetters.id, current.id),
        eq(deadLetters.version, current.version),
        eq(deadLetters.status, "parked"),
      ),
    )
    .returning();
  if (!updated) {
    throw new AppError(
      "conflict",
      `dead letter ${current.id} was changed meanwhile (replayed or discarded by someone else); read it again`,
      { deadLetterId: current.id },
    );
  }
  return updated;
}
