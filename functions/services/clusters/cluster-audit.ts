/** The audit entry of one operation on a cluster, e.g. ("cluster.update", id, { labels }). */
import type { AuditEntry } from "../audit/audit-entry.ts";

export function clusterAudit(
  action: string,
  clusterId: string,
  changes?: Record<string, unknown>,
): AuditEntry {
  return {
    action,
    resourceType: "cluster",
    resourceId: clusterId,
    clusterId,
    ...(changes ? { changes } : {}),
  };
}
