import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { PoolIdParams } from "../../../http/params.ts";
import { POOL_STATUS_SAMPLE_INTERVAL_MS } from "../../../jobs/sample-pool-status.ts";
import { MAX_HISTORY_POINTS, MAX_HISTORY_WINDOW_MS } from "../../../services/pools/history-window.ts";
import { poolHistory } from "../../../services/pools/pool-history.ts";
import { timeRange } from "../events/schemas.ts";
import { PoolHistoryQuery, PoolHistorySchema } from "./history-schemas.ts";

const route = createRoute({
  method: "get",
  path: "/v1/clusters/{clusterId}/pools/{poolId}/history",
  operationId: "getPoolHistory",
  tags: ["pools"],
  summary: "A pool's machines by state and its utilisation over time, bucketed for charts (viewer)",
  description:
    `The window defaults to the last 24 hours and may span at most ${MAX_HISTORY_WINDOW_MS / 86_400_000} days ` +
    "(a longer, empty or reversed one is a 400). Machine counts are sampled every " +
    `${POOL_STATUS_SAMPLE_INTERVAL_MS / 60_000} minutes and kept for the retention period (KSP_RETENTION_DAYS); ` +
    `each series holds at most ${MAX_HISTORY_POINTS} points.`,
  security: [{ [BEARER_SCHEME]: [] }],
  request: { params: PoolIdParams, query: PoolHistoryQuery },
  responses: {
    200: {
      description: "The pool's history",
      content: { "application/json": { schema: PoolHistorySchema } },
    },
    ...errorResponses("validation_failed", "unauthorized", "forbidden", "not_found"),
  },
});

export const registerPoolHistory = defineRoute({
  route,
  access: "viewer",
  run: async (c, { ctx }) => {
    const { clusterId, poolId } = c.req.valid("param");
    const input = { clusterId, poolId, ...timeRange(c.req.valid("query")) };
    return c.json(await poolHistory({ ctx, input }), 200);
  },
});
