/**
 * Handlers describe what a mutating request did; the audit middleware writes
 * a `pending` row before the handler runs and completes it once the response
 * is known (so failures are recorded too).
 */
import type { Context } from "hono";
import type { AuditEntry } from "../services/audit/audit-entry.ts";
import type { AppEnv } from "./hono-env.ts";

export type { AuditEntry } from "../services/audit/audit-entry.ts";

/** Call before doing the work, so a request that fails half-way is still attributed. */
export function setAudit(c: Context<AppEnv>, entry: AuditEntry): void {
  c.set("audit", { ...c.get("audit"), ...entry });
}

/**
 * High-frequency, low-value writes (heartbeats, snapshots) are not audited.
 * The middleware must know before the handler runs (it writes the audit row
 * ahead), so such routes are listed here as "METHOD pattern".
 */
export const UNAUDITED_ROUTES: ReadonlySet<string> = new Set([
  "POST /v1/agent/heartbeat",
  "POST /v1/agent/snapshots",
]);

/**
 * Marks the request as not audited. Only routes in UNAUDITED_ROUTES should call it; elsewhere the
 * middleware has already written the intent row and removes it again.
 */
export function skipAudit(c: Context<AppEnv>): void {
  c.set("audit", null);
}
