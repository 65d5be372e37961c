/**
 * A query template another resource points at (a matching policy's
 * template, a strategy's entry and exit templates). The reference is part of
 * the request body, so a missing template is bad input (400 naming the
 * field), not a missing resource: the resource the request is about exists.
 */
import { inArray } from "drizzle-orm";
import type { Db } from "../../../drizzle/client.ts";
import { queryTemplates } from "../../../drizzle/schema/index.ts";
import { AppError } from "../../lib/errors.ts";
import { mapDbError, postgresErrorOf } from "../db-errors.ts";
import { isUuid } from "../machines/ids.ts";

export function templateMissing(path: string, id: string): AppError {
  return new AppError("validation_failed", `${path}: query template ${id} not found`, {
    path,
    templateId: id,
  });
}

/** Refuses the first reference (field path → template id; null: none) that names no template. */
export async function assertTemplatesExist(db: Db, refs: Record<string, string | null | undefined>) {
  const given = Object.entries(refs).filter((e): e is [string, string] => typeof e[1] === "string");
  for (const [path, id] of given) if (!isUuid(id)) throw templateMissing(path, id);
  if (given.length === 0) return;
  const rows = await db
    .select({ id: queryTemplates.id })
    .from(queryTemplates)
    .where(
      inArray(
        queryTemplates.id,
        given.map(([, id]) => id),
      ),
    );
  const found = new Set(rows.map((r) => r.id));
  for (const [path, id] of given) if (!found.has(id)) throw templateMissing(path, id);
}

/**
 * A template deleted between the check and the write trips the foreign key:
 * the same 400, naming the field whose constraint it was (`constraints` maps
 * a constraint name to its field and the id written there).
 */
export function templateReferenceError(
  err: unknown,
  constraints: Record<string, { path: string; id: string | null | undefined }>,
): AppError | null {
  const pgError = postgresErrorOf(err);
  const ref = pgError?.code === "23503" && pgError.constraint ? constraints[pgError.constraint] : undefined;
  if (ref && typeof ref.id === "string") return templateMissing(ref.path, ref.id);
  return mapDbError(err);
}
