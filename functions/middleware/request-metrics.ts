/** Counts and times every request by its route pattern (http/matched-route.ts), method and status. */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../http/hono-env.ts";
import { matchedRoutePattern } from "../http/matched-route.ts";
import type { ControlPlaneMetrics } from "../lib/metrics/types.ts";

export function requestMetrics(metrics: ControlPlaneMetrics): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    await next();
    // after next(): the error handler has turned a throw into c.res, so its status is the one sent
    metrics.httpRequest(
      matchedRoutePattern(c),
      c.req.method,
      c.res.status,
      (performance.now() - started) / 1000,
    );
  };
}
