/**
 * Which mutating /v1 routes are not audited. The audit middleware writes a
 * `pending` row before the handler runs, so it must know before routing
 * hands over; routes declare `audit: false` in defineRoute, which refuses to
 * define such a route unless it is listed here.
 */

/** High-frequency, low-value agent reports, and reads that take a body, as "METHOD pattern". */
export const UNAUDITED_ROUTES: ReadonlySet<string> = new Set([
  "POST /v1/agent/heartbeat",
  "POST /v1/agent/snapshots",
  "POST /v1/device-query", // a read that takes a body: it changes nothing
]);
