/** How a dead letter is shown by the API, and the lookups every dead-letter service shares. */
import { eq } from "drizzle-orm";
import type { Db } from "../../../drizzle/client.ts";
import {
  type DeadLetterRow,
  type DeadLetterSource,
  type DeadLetterStatus,
  deadLetters,
} from "../../../drizzle/schema/dead-letters.ts";
import { AppError } from "../../lib/errors.ts";
import { isUuid } from "../machines/ids.ts";

export interface DeadLetterView {
  id: string;
  source: DeadLetterSource;
  queue: string;
  messageId: string | null;
  body: unknown;
  messageType: string | null;
  job: string | null;
  clusterId: string | null;
  reason: string;
  attempts: number;
  status: DeadLetterStatus;
  parkedAt: string;
  replayCount: number;
  lastReplayedAt: string | null;
  lastReplayedBy: string | null;
  version: number;
  updatedAt: string;
}

export function toDeadLetterView(row: DeadLetterRow): DeadLetterView {
  return {
    id: row.id,
    source: row.source,
    queue: row.queue,
    messageId: row.messageId,
    body: row.body,
    messageType: row.messageType,
    job: row.job,
    clusterId: row.clusterId,
    reason: row.reason,
    attempts: row.attempts,
    status: row.status,
    parkedAt: row.parkedAt.toISOString(),
    replayCount: row.replayCount,
    lastReplayedAt: row.lastReplayedAt?.toISOString() ?? null,
    lastReplayedBy: row.lastReplayedBy,
    version: row.version,
    updatedAt: row.updatedAt.toISOString(),
  };
}

export async function findDeadLetter(db: Db, id: string): Promise<DeadLetterRow> {
  // the route checks the shape too; a service called otherwise must not reach Postgres with a non-uuid
  const [row] = isUuid(id) ? await db.select().from(deadLetters).where(eq(deadLetters.id, id)) : [];
  if (!row) throw new AppError("not_found", `dead letter ${id} not found`, { deadLetterId: id });
  return row;
}

/** What a body says about itself, for filtering: only what a job message would carry, each if well-formed. */
export function describeBody(body: unknown): {
  messageType: string | null;
  job: string | null;
  clusterId: string | null;
} {
  const fields = body !== null && typeof body === "object" ? (body as Record<string, unknown>) : {};
  const text = (v: unknown, max: number) =>
    typeof v === "string" && v.length > 0 && v.length <= max ? v : null;
  const clusterId = text(fields.clusterId, 36);
  return {
    messageType: text(fields.type, 100),
    job: text(fields.job, 200),
    clusterId: clusterId !== null && isUuid(clusterId) ? clusterId : null,
  };
}
