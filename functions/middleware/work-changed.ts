/**
 * After a mutating /v1 request succeeded (its transactions have committed),
 * replace the scheduled jobs' work token (lib/coordination/work-token.ts), so
 * the next tick looks in Postgres for what the write may have created
 * (a reservation, a pending notification, an order, a pool, a kubeconfig).
 * One place for every route, so no new route can forget it. The agent's
 * periodic reports are left out: a heartbeat or resource snapshot creates no
 * work a job waits for (offline detection and the daily jobs go by time).
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../http/hono-env.ts";
import { markWorkChanged } from "../lib/coordination/work-token.ts";

const READS = new Set(["GET", "HEAD", "OPTIONS"]);
const PERIODIC_REPORTS = new Set(["/v1/agent/heartbeat", "/v1/agent/snapshots"]);

export function workChanged(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    if (READS.has(c.req.method) || PERIODIC_REPORTS.has(c.req.path)) return;
    if (c.error || c.res.status >= 400) return;
    const { coordination, logger } = c.get("scope").deps;
    await markWorkChanged(coordination, logger);
  };
}
