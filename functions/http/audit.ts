/**
 * Which mutating /v1 routes are not audited. The audit middleware writes a
 * `pending` row before the handler runs, so it must know before routing
 * hands over; routes declare `audit: false` in defineRoute, which refuses to
 * define such a route unless it is listed here.
 */

/** High-frequency, low-value agent reports, as "METHOD pattern". */
export const UNAUDITED_ROUTES: ReadonlySet<string> = new Set([
  "POST /v1/agent/heartbeat",
  "POST /v1/agent/snapshots",
]);
