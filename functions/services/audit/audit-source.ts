/**
 * Newest-first keyset reads of audit_logs, shared by the list and the export.
 * `action` is a prefix ("cluster." matches every cluster action; a full name
 * matches itself); `since` is inclusive, `until` exclusive, both on `at`.
 */
import { and, desc, eq, gte, like, lt, type SQL } from "drizzle-orm";
import type { Db } from "../../../drizzle/client.ts";
import { type AuditLog, type AuditResult, auditLogs } from "../../../drizzle/schema/audit-logs.ts";
import { type KeysetPosition, microsText, olderThan } from "../events/keyset.ts";
import type { KeysetSource } from "../events/ndjson-export.ts";
import { likePrefix } from "../like.ts";
import { toAuditView } from "./audit-view.ts";

export interface AuditFilters {
  /** a cluster-scoped caller sees only rows of this cluster; null for every row */
  scopeClusterId: string | null;
  actor?: string | undefined;
  action?: string | undefined;
  resourceType?: string | undefined;
  resourceId?: string | undefined;
  clusterId?: string | undefined;
  result?: AuditResult | undefined;
  since?: Date | undefined;
  until?: Date | undefined;
  requestId?: string | undefined;
}

export interface AuditRow {
  row: AuditLog;
  at: string;
}

export function auditConditions(f: AuditFilters): SQL | undefined {
  const conditions: (SQL | undefined)[] = [];
  if (f.scopeClusterId !== null) conditions.push(eq(auditLogs.clusterId, f.scopeClusterId));
  if (f.actor) conditions.push(eq(auditLogs.actor, f.actor));
  if (f.action) conditions.push(like(auditLogs.action, likePrefix(f.action)));
  if (f.resourceType) conditions.push(eq(auditLogs.resourceType, f.resourceType));
  if (f.resourceId) conditions.push(eq(auditLogs.resourceId, f.resourceId));
  if (f.clusterId) conditions.push(eq(auditLogs.clusterId, f.clusterId));
  if (f.result) conditions.push(eq(auditLogs.result, f.result));
  if (f.since) conditions.push(gte(auditLogs.at, f.since));
  if (f.until) conditions.push(lt(auditLogs.at, f.until));
  if (f.requestId) conditions.push(eq(auditLogs.requestId, f.requestId));
  return and(...conditions);
}

export function fetchAudit(
  db: Db,
  filters: AuditFilters,
  after: KeysetPosition | null,
  size: number,
): Promise<AuditRow[]> {
  return db
    .select({ row: auditLogs, at: microsText(auditLogs.at) })
    .from(auditLogs)
    .where(and(auditConditions(filters), after ? olderThan(auditLogs.at, auditLogs.id, after) : undefined))
    .orderBy(desc(auditLogs.at), desc(auditLogs.id))
    .limit(size);
}

export const positionOfAudit = (r: AuditRow): KeysetPosition => ({ at: r.at, id: r.row.id });

export function auditSource(db: Db, filters: AuditFilters): KeysetSource<AuditRow> {
  return {
    fetch: (after, size) => fetchAudit(db, filters, after, size),
    positionOf: positionOfAudit,
    present: (r) => toAuditView(r.row),
  };
}
