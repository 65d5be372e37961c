/**
 * Keyset pagination as the list services do it: fetch `limit + 1` rows, keep
 * `limit`, and hand back `{ items, nextCursor }`. Cursors are opaque base64url
 * JSON of the last kept row's sort key; a cursor that does not decode is a
 * validation_failed (400), never a 500. The HTTP side (http/pagination.ts)
 * only describes `?limit=&cursor=` and the page shape in OpenAPI.
 */
import { AppError } from "../lib/errors.ts";

/** One page of a list: what a list service returns. */
export interface Page<T> {
  items: T[];
  /** the cursor of the next page; null on the last one */
  nextCursor: string | null;
}

export type CursorValues = Record<string, string | number>;

export function encodeCursor(values: CursorValues): string {
  const bytes = new TextEncoder().encode(JSON.stringify(values));
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Decodes a cursor made by encodeCursor with the same keys; anything else is a 400. */
export function decodeCursor<K extends string>(
  cursor: string,
  keys: readonly K[],
): Record<K, string | number> {
  const invalid = () => new AppError("validation_failed", "cursor is not valid; start again without it");
  let parsed: unknown;
  try {
    const binary = atob(cursor.replace(/-/g, "+").replace(/_/g, "/"));
    parsed = JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (ch) => ch.charCodeAt(0))));
  } catch {
    throw invalid();
  }
  if (typeof parsed !== "object" || parsed === null) throw invalid();
  const record = parsed as Record<string, unknown>;
  for (const key of keys) {
    const v = record[key];
    if (typeof v !== "string" && typeof v !== "number") throw invalid();
  }
  return record as Record<K, string | number>;
}

/** Fetch limit + 1 rows; this trims the extra one and makes the next cursor from the last kept row. */
export function toPage<R, T>(
  rows: R[],
  limit: number,
  cursorOf: (row: R) => CursorValues,
  present: (row: R) => T,
): Page<T> {
  const kept = rows.slice(0, limit);
  const last = kept[kept.length - 1];
  return {
    items: kept.map(present),
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor(cursorOf(last)) : null,
  };
}
