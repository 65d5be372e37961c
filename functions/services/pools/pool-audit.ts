/**
 * What a pool's audit row says. A requested change is recorded as given,
 * except hook scripts: they run as root, may be 64 KiB and often embed
 * secrets, so the row records only their size.
 */
import type { AuditEntry } from "../audit/audit-entry.ts";
import type { PoolChanges } from "./pool-settings.ts";

const HOOKS = ["preJoinHook", "postJoinHook", "preResetHook", "postResetHook"] as const;

export function poolAuditChanges(changes: PoolChanges): Record<string, unknown> {
  const recorded: Record<string, unknown> = { ...changes };
  for (const hook of HOOKS) {
    const script = changes[hook];
    if (typeof script === "string") recorded[hook] = `<${new TextEncoder().encode(script).length} bytes>`;
  }
  return recorded;
}

/** The entry of one pool operation, e.g. ("pool.update", …). */
export function poolAudit(
  action: string,
  clusterId: string,
  poolId: string,
  changes?: Record<string, unknown>,
): AuditEntry {
  return { action, resourceType: "pool", resourceId: poolId, clusterId, ...(changes ? { changes } : {}) };
}
