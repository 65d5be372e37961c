/**
 * Dead letters, newest parked first, keyset-paginated on (parked_at, id) like
 * the events list; filtered by status, job, message type, cluster and a
 * parked-at range (`since` inclusive, `until` exclusive).
 */
import { and, desc, eq, gte, lt, type SQL } from "drizzle-orm";
import { type DeadLetterStatus, deadLetters } from "../../../drizzle/schema/dead-letters.ts";
import type { ServiceCall } from "../context.ts";
import { microsText, olderThan, positionFromCursor } from "../events/keyset.ts";
import { type Page, toPage } from "../pagination.ts";
import { type DeadLetterView, toDeadLetterView } from "./dead-letter-view.ts";

export interface ListDeadLettersInput {
  limit: number;
  cursor?: string | undefined;
  status?: DeadLetterStatus | undefined;
  job?: string | undefined;
  messageType?: string | undefined;
  clusterId?: string | undefined;
  since?: Date | undefined;
  until?: Date | undefined;
}

export async function listDeadLetters({
  ctx,
  input,
}: ServiceCall<ListDeadLettersInput>): Promise<Page<DeadLetterView>> {
  const conditions: (SQL | undefined)[] = [];
  if (input.status) conditions.push(eq(deadLetters.status, input.status));
  if (input.job) conditions.push(eq(deadLetters.job, input.job));
  if (input.messageType) conditions.push(eq(deadLetters.messageType, input.messageType));
  if (input.clusterId) conditions.push(eq(deadLetters.clusterId, input.clusterId));
  if (input.since) conditions.push(gte(deadLetters.parkedAt, input.since));
  if (input.until) conditions.push(lt(deadLetters.parkedAt, input.until));
  if (input.cursor) {
    conditions.push(olderThan(deadLetters.parkedAt, deadLetters.id, positionFromCursor(input.cursor)));
  }
  const rows = await ctx.db
    .select({ row: deadLetters, at: microsText(deadLetters.parkedAt) })
    .from(deadLetters)
    .where(and(...conditions))
    .orderBy(desc(deadLetters.parkedAt), desc(deadLetters.id))
    .limit(input.limit + 1);
  return toPage(
    rows,
    input.limit,
    (r) => ({ at: r.at, id: r.row.id }),
    (r) => toDeadLetterView(r.row),
  );
}
