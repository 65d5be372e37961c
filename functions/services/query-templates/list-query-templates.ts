/**
 * Lists query templates, oldest first, keyset-paginated on (created_at, id)
 * with a microsecond cursor; `q` searches name and description (a plain
 * substring, case-insensitive: `%` and `_` match themselves).
 */
import { and, asc, ilike, or, type SQL, sql } from "drizzle-orm";
import { queryTemplates } from "../../../drizzle/schema/index.ts";
import type { ServiceCall } from "../context.ts";
import { microsText, positionFromCursor } from "../events/keyset.ts";
import { likeContaining } from "../like.ts";
import { type CursorValues, type Page, toPage } from "../pagination.ts";
import { type QueryTemplateView, toQueryTemplateView } from "./template-view.ts";

export interface ListQueryTemplatesInput {
  limit: number;
  cursor?: string | undefined;
  /** free text in name or description */
  q?: string | undefined;
}

export async function listQueryTemplates({
  ctx,
  input,
}: ServiceCall<ListQueryTemplatesInput>): Promise<Page<QueryTemplateView>> {
  const conditions: (SQL | undefined)[] = [];
  if (input.q) {
    const pattern = likeContaining(input.q);
    conditions.push(or(ilike(queryTemplates.name, pattern), ilike(queryTemplates.description, pattern)));
  }
  if (input.cursor) {
    const { at, id } = positionFromCursor(input.cursor);
    conditions.push(
      sql`(${queryTemplates.createdAt}, ${queryTemplates.id}) > (${at}::timestamptz, ${id}::uuid)`,
    );
  }
  const rows = await ctx.db
    .select({ template: queryTemplates, at: microsText(queryTemplates.createdAt) })
    .from(queryTemplates)
    .where(and(...conditions))
    .orderBy(asc(queryTemplates.createdAt), asc(queryTemplates.id))
    .limit(input.limit + 1);
  return toPage(
    rows,
    input.limit,
    (r): CursorValues => ({ at: r.at, id: r.template.id }),
    (r) => toQueryTemplateView(r.template),
  );
}
