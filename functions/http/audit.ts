/**
 * Handlers describe what a mutating request did; the audit middleware writes
 * the row once the response is known (so failures are recorded too).
 */
import type { Context } from "hono";
import type { AppEnv } from "../middleware/app-env.ts";

export interface AuditEntry {
  /** dotted verb, e.g. "cluster.create", "machine.maintenance" */
  action: string;
  resourceType: string;
  resourceId?: string | null;
  clusterId?: string | null;
  /** what changed; secrets must never be put here (tokens are masked again on write) */
  changes?: Record<string, unknown>;
}

/** Call before doing the work, so a request that fails half-way is still attributed. */
export function setAudit(c: Context<AppEnv>, entry: AuditEntry): void {
  c.set("audit", { ...c.get("audit"), ...entry });
}

/** High-frequency, low-value writes (heartbeats, snapshots) are not audited. */
export function skipAudit(c: Context<AppEnv>): void {
  c.set("audit", null);
}
