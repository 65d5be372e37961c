/**
 * What the API shows of a query template, and the reads the template
 * services share. Templates are fleet-wide: no cluster scope applies.
 */
import { eq } from "drizzle-orm";
import type { Db } from "../../../drizzle/client.ts";
import { type QueryTemplate, queryTemplates } from "../../../drizzle/schema/index.ts";
import { AppError } from "../../lib/errors.ts";
import { mapDbError } from "../db-errors.ts";
import type { Logic, QueryGroup } from "../device-query/template.ts";
import { isUuid } from "../machines/ids.ts";

export const QUERY_TEMPLATE_NAME_MAX = 100;
export const QUERY_TEMPLATE_DESCRIPTION_MAX = 1000;
const NAME_CONSTRAINT = "query_templates_name_uq";

export interface QueryTemplateView {
  id: string;
  name: string;
  description: string | null;
  logic: Logic;
  groups: QueryGroup[];
  version: number;
  createdAt: string;
  updatedAt: string;
}

export function toQueryTemplateView(row: QueryTemplate): QueryTemplateView {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    logic: row.logic,
    // written only after checkTemplate (create and update)
    groups: row.groups as QueryGroup[],
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function queryTemplateNotFound(id: string): AppError {
  return new AppError("not_found", `query template ${id} not found`, { templateId: id });
}

/** The template row, or not_found (a malformed id names nothing). */
export async function findQueryTemplate(db: Db, id: string): Promise<QueryTemplate> {
  if (!isUuid(id)) throw queryTemplateNotFound(id);
  const [row] = await db.select().from(queryTemplates).where(eq(queryTemplates.id, id));
  if (!row) throw queryTemplateNotFound(id);
  return row;
}

/** Name and description rules the services enforce whatever the transport checked. */
export function checkNameAndDescription(name: unknown, description: unknown): void {
  if (name !== undefined) {
    if (typeof name !== "string" || name.trim() === "" || name.length > QUERY_TEMPLATE_NAME_MAX) {
      throw new AppError(
        "validation_failed",
        `name: must be 1-${QUERY_TEMPLATE_NAME_MAX} characters and not blank`,
        { path: "name" },
      );
    }
  }
  if (description !== undefined && description !== null) {
    if (typeof description !== "string" || description.length > QUERY_TEMPLATE_DESCRIPTION_MAX) {
      throw new AppError(
        "validation_failed",
        `description: must be a string of at most ${QUERY_TEMPLATE_DESCRIPTION_MAX} characters`,
        { path: "description" },
      );
    }
  }
}

/** A database error of a template write as the client should see it: a taken name is a 409. */
export function queryTemplateWriteError(err: unknown, name: string | undefined): unknown {
  const mapped = mapDbError(err);
  if (mapped?.details?.constraint === NAME_CONSTRAINT) {
    return new AppError("conflict", `a query template named ${name ?? "(this name)"} already exists`, {
      name,
      constraint: NAME_CONSTRAINT,
    });
  }
  return mapped ?? err;
}
