/**
 * Keyset pagination shared by every list route: `?limit=&cursor=` in,
 * `{ items, nextCursor }` out (the cursors themselves are services/pagination.ts's).
 */
import { z } from "@hono/zod-openapi";

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
