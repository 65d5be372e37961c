/**
 * Keyset positions for newest-first listings of append-only tables (events,
 * audit rows): order by (timestamp desc, id desc), continue strictly below the
 * last row seen. Timestamps travel as text at microsecond precision, because a
 * JS Date would round them to milliseconds and repeat or skip rows at page
 * boundaries.
 */
import { type AnyColumn, type SQL, sql } from "drizzle-orm";
import { AppError } from "../../lib/errors.ts";
import { isUuid } from "../machines/ids.ts";
import { decodeCursor } from "../pagination.ts";

export interface KeysetPosition {
  /** the row's timestamp, "YYYY-MM-DDTHH:MM:SS.ffffffZ" */
  at: string;
  id: string;
}

const CURSOR_KEYS = ["at", "id"] as const;
const MICROS_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/** The column as UTC text with microseconds; select it next to the row to build positions. */
export function microsText(column: AnyColumn): SQL<string> {
  return sql<string>`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

/** Rows strictly older than the position in (at desc, id desc) order. */
export function olderThan(atColumn: AnyColumn, idColumn: AnyColumn, position: KeysetPosition): SQL {
  return sql`(${atColumn}, ${idColumn}) < (${position.at}::timestamptz, ${position.id}::uuid)`;
}

/** A list cursor back into a position; anything this module did not make is a 400. */
export function positionFromCursor(cursor: string): KeysetPosition {
  const { at, id } = decodeCursor(cursor, CURSOR_KEYS);
  if (typeof at !== "string" || !MICROS_ISO.test(at) || typeof id !== "string" || !isUuid(id)) {
    throw new AppError("validation_failed", "cursor is not valid; start again without it");
  }
  return { at, id };
}
