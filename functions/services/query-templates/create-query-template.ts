/**
 * Creates a fleet-wide device query template. The template is checked
 * (template.ts: a 400 naming the offending path), stored in its canonical
 * form, and committed together with its audit row (`query_template.create`).
 * A taken name is a 409.
 */
import { queryTemplates } from "../../../drizzle/schema/index.ts";
import { recordAudit } from "../audit/record-audit.ts";
import type { ServiceCall } from "../context.ts";
import { canonicalTemplate, checkTemplate, type Logic, type QueryGroup } from "../device-query/template.ts";
import {
  checkNameAndDescription,
  type QueryTemplateView,
  queryTemplateWriteError,
  toQueryTemplateView,
} from "./template-view.ts";

export interface CreateQueryTemplateInput {
  name: string;
  description?: string | null | undefined;
  logic: Logic;
  groups: QueryGroup[];
}

export async function createQueryTemplate({
  ctx,
  input,
}: ServiceCall<CreateQueryTemplateInput>): Promise<QueryTemplateView> {
  checkNameAndDescription(input.name, input.description);
  checkTemplate({ logic: input.logic, groups: input.groups });
  const template = canonicalTemplate({ logic: input.logic, groups: input.groups });
  const description = input.description ?? null;
  const now = ctx.clock.now();
  try {
    const row = await ctx.db.transaction(async (tx) => {
      const [inserted] = await tx
        .insert(queryTemplates)
        .values({
          name: input.name,
          description,
          logic: template.logic,
          groups: template.groups,
          createdBy: ctx.actor,
          createdAt: now,
          updatedAt: now,
        })
        .returning();
      await recordAudit(tx, ctx, {
        action: "query_template.create",
        resourceType: "query_template",
        resourceId: inserted!.id,
        changes: { name: input.name, description, logic: template.logic, groups: template.groups },
      });
      return inserted!;
    });
    return toQueryTemplateView(row);
  } catch (err) {
    throw queryTemplateWriteError(err, input.name);
  }
}
