/**
 * Prometheus exposition of the control plane's own metrics (lib/metrics/).
 * Outside /v1 like /healthz: a scraper carries no API token and must not be
 * rate-limited or audited. KSP_METRICS_TOKEN, when set, is the bearer token
 * a scraper must present. Workers keep no metrics (an isolate's counters
 * neither last nor can be scraped), so there it is a 404 pointing elsewhere.
 */
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../http/hono-env.ts";
import { BEARER_SCHEME, errorResponses } from "../http/openapi.ts";
import { AppError } from "../lib/errors.ts";
import type { ControlPlaneMetrics } from "../lib/metrics/types.ts";
import { constantTimeEqual } from "../lib/tokens.ts";

export const METRICS_UNAVAILABLE =
  "metrics are not available on Workers; use Workers Analytics and observability (wrangler.toml) instead";

const route = createRoute({
  method: "get",
  path: "/metrics",
  operationId: "getMetrics",
  tags: ["health"],
  summary: "Prometheus metrics of the control plane (Node only)",
  description:
    "Prometheus text exposition: requests by route and status, job runs, queue decisions and depth, " +
    "allocations and the process's metrics. A bearer token is required only when KSP_METRICS_TOKEN is set. " +
    "On Workers: 404.",
  // {} first: no credentials at all unless the deployment set KSP_METRICS_TOKEN
  security: [{}, { [BEARER_SCHEME]: [] }],
  responses: {
    200: {
      description: "The metrics, in the Prometheus text format",
      content: { "text/plain": { schema: z.string() } },
    },
    ...errorResponses("unauthorized", "not_found"),
  },
});

export function registerMetrics(
  app: OpenAPIHono<AppEnv>,
  opts: { metrics: ControlPlaneMetrics; token: string | undefined },
): void {
  app.openapi(route, async (c) => {
    if (opts.token !== undefined) {
      const presented = /^Bearer (.+)$/.exec(c.req.header("Authorization") ?? "")?.[1];
      if (presented === undefined || !constantTimeEqual(presented, opts.token)) {
        throw new AppError("unauthorized", "a bearer token is required (KSP_METRICS_TOKEN)");
      }
    }
    const exposition = await opts.metrics.expose();
    if (!exposition) throw new AppError("not_found", METRICS_UNAVAILABLE);
    return c.text(exposition.body, 200, { "Content-Type": exposition.contentType });
  });
}
