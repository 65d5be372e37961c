/** How an audit row is shown by the API and in exports. */
import type { AuditLog, AuditResult } from "../../../drizzle/schema/audit-logs.ts";

export interface AuditView {
  id: string;
  at: string;
  actor: string;
  action: string;
  resourceType: string;
  resourceId: string | null;
  clusterId: string | null;
  /** `pending`: attempted, outcome never recorded (see AUDIT_RESULTS) */
  result: AuditResult;
  statusCode: number | null;
  changes: Record<string, unknown>;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
}

export function toAuditView(row: AuditLog): AuditView {
  return {
    id: row.id,
    at: row.at.toISOString(),
    actor: row.actor,
    action: row.action,
    resourceType: row.resourceType,
    resourceId: row.resourceId,
    clusterId: row.clusterId,
    result: row.result,
    statusCode: row.statusCode,
    changes: row.changes,
    ip: row.ip,
    userAgent: row.userAgent,
    requestId: row.requestId,
  };
}
