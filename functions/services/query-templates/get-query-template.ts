/** One query template by id; unknown (or malformed) ids are not found. */
import type { ServiceCall } from "../context.ts";
import { findQueryTemplate, type QueryTemplateView, toQueryTemplateView } from "./template-view.ts";

export interface GetQueryTemplateInput {
  id: string;
}

export async function getQueryTemplate({
  ctx,
  input,
}: ServiceCall<GetQueryTemplateInput>): Promise<QueryTemplateView> {
  return toQueryTemplateView(await findQueryTemplate(ctx.db, input.id));
}
