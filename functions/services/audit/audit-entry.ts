/**
 * What an audit row says about a change, and where the change came from.
 * Services record entries inside the transaction that makes the change
 * (unit-of-work.ts), so a change and its audit row commit or roll back
 * together, whoever caused it: a person through /v1, an agent, or a job.
 */
export interface AuditEntry {
  /** dotted verb, e.g. "cluster.create", "machine.maintenance" */
  action: string;
  resourceType: string;
  resourceId?: string | null;
  clusterId?: string | null;
  /** what changed; secrets must never be put here (they are masked again on write) */
  changes?: Record<string, unknown>;
}

/**
 * Facts about the caller that only the transport knows. On HTTP, `intentId`
 * names the write-ahead `pending` row the audit middleware wrote before the
 * handler ran: the first entry recorded in the request completes that row in
 * the service's transaction. Jobs have no intent row; their entries are new rows.
 */
export interface AuditOrigin {
  intentId?: string;
  ip?: string | null;
  userAgent?: string | null;
}
