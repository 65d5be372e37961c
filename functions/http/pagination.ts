/**
 * Keyset pagination shared by every list route: `?limit=&cursor=` in,
 * `{ items, nextCursor }` out. Cursors are opaque base64url JSON; a cursor
 * that does not decode is a 400, never a 500.
 */
import { z } from "@hono/zod-openapi";
import { AppError } from "../lib/errors.ts";

export const MAX_PAGE_SIZE = 500;
export const DEFAULT_PAGE_SIZE = 50;

export const PageQuerySchema = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE_SIZE)
    .default(DEFAULT_PAGE_SIZE)
    .openapi({ description: `page size, 1 to ${MAX_PAGE_SIZE}` }),
  cursor: z.string().max(512).optional().openapi({ description: "nextCursor of the previous page" }),
});

export type PageQuery = z.infer<typeof PageQuerySchema>;

export function pageOf<T extends z.ZodType>(item: T, name: string) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() }).openapi(name);
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
): { items: T[]; nextCursor: string | null } {
  const kept = rows.slice(0, limit);
  const last = kept[kept.length - 1];
  return {
    items: kept.map(present),
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor(cursorOf(last)) : null,
  };
}
