/**
 * Changes a query template: any of name, description, logic and groups
 * (groups are replaced as a whole). The changed parts are checked as
 * create checks them. The write is guarded: with `expectedVersion` it only
 * applies while the row is still at that version (409 stale_version
 * otherwise), and every update bumps the version. The change and its audit
 * row (`query_template.update`) commit together; a taken name is a 409.
 */
import { and, eq, sql } from "drizzle-orm";
import { queryTemplates } from "../../../drizzle/schema/index.ts";
import { AppError } from "../../lib/errors.ts";
import { recordAudit } from "../audit/record-audit.ts";
import type { ServiceCall } from "../context.ts";
import {
  canonicalGroups,
  checkGroups,
  isLogic,
  type Logic,
  type QueryGroup,
  TEMPLATE_LOGICS,
} from "../device-query/template.ts";
import { isUuid } from "../machines/ids.ts";
import {
  checkNameAndDescription,
  type QueryTemplateView,
  queryTemplateNotFound,
  queryTemplateWriteError,
  toQueryTemplateView,
} from "./template-view.ts";

export interface QueryTemplateChanges {
  name?: string | undefined;
  /** null clears it */
  description?: string | null | undefined;
  logic?: Logic | undefined;
  groups?: QueryGroup[] | undefined;
}

export interface UpdateQueryTemplateInput {
  id: string;
  changes: QueryTemplateChanges;
  /** the version the caller read; absent: last writer wins */
  expectedVersion?: number | undefined;
}

export async function updateQueryTemplate({
  ctx,
  input,
}: ServiceCall<UpdateQueryTemplateInput>): Promise<QueryTemplateView> {
  const { changes } = input;
  checkNameAndDescription(changes.name, changes.description);
  if (changes.logic !== undefined && !isLogic(changes.logic)) {
    throw new AppError(
      "validation_failed",
      `logic: ${JSON.stringify(changes.logic)} is not a logic (one of ${TEMPLATE_LOGICS.join(", ")})`,
      { path: "logic" },
    );
  }
  if (changes.groups !== undefined) checkGroups(changes.groups, "groups");
  if (!isUuid(input.id)) throw queryTemplateNotFound(input.id);

  const set = {
    ...(changes.name === undefined ? {} : { name: changes.name }),
    ...(changes.description === undefined ? {} : { description: changes.description }),
    ...(changes.logic === undefined ? {} : { logic: changes.logic }),
    ...(changes.groups === undefined ? {} : { groups: canonicalGroups(changes.groups) }),
  };
  try {
    const row = await ctx.db.transaction(async (tx) => {
      const [updated] = await tx
        .update(queryTemplates)
        .set({ ...set, version: sql`${queryTemplates.version} + 1`, updatedAt: ctx.clock.now() })
        .where(
          and(
            eq(queryTemplates.id, input.id),
            input.expectedVersion === undefined
              ? undefined
              : eq(queryTemplates.version, input.expectedVersion),
          ),
        )
        .returning();
      if (!updated) {
        const [current] = await tx
          .select({ version: queryTemplates.version })
          .from(queryTemplates)
          .where(eq(queryTemplates.id, input.id));
        if (!current) throw queryTemplateNotFound(input.id);
        throw new AppError(
          "stale_version",
          `query template ${input.id} is at version ${current.version}, not ${input.expectedVersion}; read it again and retry`,
          { templateId: input.id, expectedVersion: input.expectedVersion, actualVersion: current.version },
        );
      }
      await recordAudit(tx, ctx, {
        action: "query_template.update",
        resourceType: "query_template",
        resourceId: updated.id,
        changes: { ...set, version: updated.version },
      });
      return updated;
    });
    return toQueryTemplateView(row);
  } catch (err) {
    throw queryTemplateWriteError(err, changes.name);
  }
}
