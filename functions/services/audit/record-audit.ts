/**
 * Writes an audit row inside the caller's transaction, so the row commits
 * exactly when the change does (fail closed: if the row cannot be written the
 * change rolls back, and the caller is told the audit log is unavailable). On
 * HTTP the first entry completes the request's write-ahead intent row (the
 * middleware then only adds the status code); later entries, and every entry
 * a job or an agent report makes without one, are rows of their own.
 *
 * `result` is `success` for a change; `failure` only for a service that
 * refuses a request as a whole and says so in its answer rather than by
 * throwing (an all-or-nothing import with rows in error), so the row it
 * completes agrees with the status the client gets.
 */
import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../../../drizzle/client.ts";
import { auditLogs } from "../../../drizzle/schema/audit-logs.ts";
import { maskSecrets } from "../../../shared/mask-secrets.ts";
import { AppError } from "../../lib/errors.ts";
import type { ServiceContext } from "../context.ts";
import type { AuditEntry } from "./audit-entry.ts";

export type AuditResultOf = "success" | "failure";

export async function recordAudit(
  tx: Db,
  ctx: ServiceContext,
  entry: AuditEntry,
  result: AuditResultOf = "success",
): Promise<void> {
  try {
    await writeAuditRow(tx, ctx, entry, result);
  } catch (err) {
    throw auditUnavailable(entry, err);
  }
}

/** What a failed audit write answers: the change it belonged to is not carried out. */
export function auditUnavailable(entry: Pick<AuditEntry, "action">, err: unknown): AppError {
  return new AppError(
    "dependency_unavailable",
    "the audit log cannot be written; the change was not carried out",
    { action: entry.action },
    { cause: err },
  );
}

/** The columns an entry sets, with secrets masked again whatever the caller put in `changes`. */
function outcomeOf(entry: AuditEntry, result: AuditResultOf) {
  return {
    action: entry.action,
    resourceType: entry.resourceType,
    resourceId: entry.resourceId ?? null,
    result,
    changes: maskSecrets(entry.changes ?? {}) as Record<string, unknown>,
  };
}

/** Who, when and from where: set once, when a row is first written. */
function originOf(ctx: ServiceContext) {
  return {
    at: ctx.clock.now(),
    actor: ctx.actor,
    ip: ctx.audit?.ip ?? null,
    userAgent: ctx.audit?.userAgent ?? null,
    requestId: ctx.requestId,
  };
}

async function writeAuditRow(
  tx: Db,
  ctx: ServiceContext,
  entry: AuditEntry,
  result: AuditResultOf,
): Promise<void> {
  const outcome = outcomeOf(entry, result);
  const clusterId = entry.clusterId ?? null;
  const intentId = ctx.audit?.intentId;
  if (intentId) {
    const completed = await tx
      .update(auditLogs)
      // an agent's intent row already names its cluster; an entry that names none keeps it.
      // The actor is the service's: an open route's intent row could only say "anonymous".
      .set({
        ...outcome,
        actor: ctx.actor,
        clusterId: sql`coalesce(${clusterId}::uuid, ${auditLogs.clusterId})`,
      })
      .where(and(eq(auditLogs.id, intentId), eq(auditLogs.result, "pending")))
      .returning({ id: auditLogs.id });
    if (completed.length > 0) return;
  }
  await tx.insert(auditLogs).values({ ...outcome, clusterId, ...originOf(ctx) });
}

/**
 * Writes row `id` whole, or rewrites its outcome if it exists (a batch whose
 * items commit one by one keeps one row current: batch-audit.ts). The
 * origin of an existing row (the intent row's who, when and from where) is kept.
 */
export async function upsertAuditRow(
  db: Db,
  ctx: ServiceContext,
  id: string,
  entry: AuditEntry,
): Promise<void> {
  const outcome = { ...outcomeOf(entry, "success"), clusterId: entry.clusterId ?? null };
  await db
    .insert(auditLogs)
    .values({ ...outcome, id, ...originOf(ctx) })
    .onConflictDoUpdate({ target: auditLogs.id, set: { ...outcome, actor: ctx.actor } });
}
