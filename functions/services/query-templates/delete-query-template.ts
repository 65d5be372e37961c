/**
 * Deletes a query template; unknown ids are not found. The deletion and its
 * audit row (`query_template.delete`, with the name) commit together.
 */
import { eq } from "drizzle-orm";
import { queryTemplates } from "../../../drizzle/schema/index.ts";
import { recordAudit } from "../audit/record-audit.ts";
import type { ServiceCall } from "../context.ts";
import { isUuid } from "../machines/ids.ts";
import { type QueryTemplateView, queryTemplateNotFound, toQueryTemplateView } from "./template-view.ts";

export interface DeleteQueryTemplateInput {
  id: string;
}

export async function deleteQueryTemplate({
  ctx,
  input,
}: ServiceCall<DeleteQueryTemplateInput>): Promise<QueryTemplateView> {
  if (!isUuid(input.id)) throw queryTemplateNotFound(input.id);
  const row = await ctx.db.transaction(async (tx) => {
    const [deleted] = await tx.delete(queryTemplates).where(eq(queryTemplates.id, input.id)).returning();
    if (!deleted) throw queryTemplateNotFound(input.id);
    await recordAudit(tx, ctx, {
      action: "query_template.delete",
      resourceType: "query_template",
      resourceId: deleted.id,
      changes: { name: deleted.name },
    });
    return deleted;
  });
  return toQueryTemplateView(row);
}
