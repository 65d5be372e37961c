/** Newest-first keyset reads of the operations table, shared by the list and the export. */
import { and, desc } from "drizzle-orm";
import type { Db } from "../../../drizzle/client.ts";
import { type Operation, operations } from "../../../drizzle/schema/operations.ts";
import { type EventFilters, eventConditions } from "./event-filters.ts";
import { toEventView } from "./event-view.ts";
import { type KeysetPosition, microsText, olderThan } from "./keyset.ts";
import type { KeysetSource } from "./ndjson-export.ts";

export interface EventRow {
  row: Operation;
  at: string;
}

export function fetchEvents(
  db: Db,
  filters: EventFilters,
  after: KeysetPosition | null,
  size: number,
): Promise<EventRow[]> {
  return db
    .select({ row: operations, at: microsText(operations.createdAt) })
    .from(operations)
    .where(
      and(
        eventConditions(filters),
        after ? olderThan(operations.createdAt, operations.id, after) : undefined,
      ),
    )
    .orderBy(desc(operations.createdAt), desc(operations.id))
    .limit(size);
}

export const positionOfEvent = (r: EventRow): KeysetPosition => ({ at: r.at, id: r.row.id });

export function eventSource(db: Db, filters: EventFilters): KeysetSource<EventRow> {
  return {
    fetch: (after, size) => fetchEvents(db, filters, after, size),
    positionOf: positionOfEvent,
    present: (r) => toEventView(r.row),
  };
}
