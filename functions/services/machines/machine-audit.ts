/**
 * The audit entry of an operator's change to one machine, in one shape for
 * every machine verb: action `machine.<verb>`, the machine as the resource,
 * the cluster the change concerns (so a cluster-scoped auditor sees it) and
 * what was asked for. Services record it in the transaction of the change.
 */
import type { AuditEntry } from "../audit/audit-entry.ts";

export function machineAudit(
  verb: string,
  machineId: string | null,
  clusterId: string | null,
  changes: Record<string, unknown> = {},
): AuditEntry {
  return { action: `machine.${verb}`, resourceType: "machine", resourceId: machineId, clusterId, changes };
}
