/**
 * Writes an audit row inside the caller's transaction, so the row commits
 * exactly when the change does (fail closed: if the row cannot be written the
 * change rolls back). On HTTP the first entry completes the request's
 * write-ahead intent row; later entries, and every entry a job or an agent
 * report makes without one, are rows of their own.
 */
import { and, eq } from "drizzle-orm";
import type { Db } from "../../../drizzle/client.ts";
import { auditLogs } from "../../../drizzle/schema/audit-logs.ts";
import { maskSecrets } from "../../lib/logger.ts";
import type { ServiceContext } from "../context.ts";
import type { AuditEntry } from "./audit-entry.ts";

export async function recordAudit(tx: Db, ctx: ServiceContext, entry: AuditEntry): Promise<void> {
  const outcome = {
    action: entry.action,
    resourceType: entry.resourceType,
    resourceId: entry.resourceId ?? null,
    clusterId: entry.clusterId ?? null,
    result: "success" as const,
    changes: maskSecrets(entry.changes ?? {}) as Record<string, unknown>,
  };
  const intentId = ctx.audit?.intentId;
  if (intentId) {
    const completed = await tx
      .update(auditLogs)
      .set(outcome)
      .where(and(eq(auditLogs.id, intentId), eq(auditLogs.result, "pending")))
      .returning({ id: auditLogs.id });
    if (completed.length > 0) return;
  }
  await tx.insert(auditLogs).values({
    ...outcome,
    at: ctx.clock.now(),
    actor: ctx.actor,
    ip: ctx.audit?.ip ?? null,
    userAgent: ctx.audit?.userAgent ?? null,
    requestId: ctx.requestId,
  });
}
