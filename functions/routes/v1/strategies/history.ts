import { createRoute, z } from "@hono/zod-openapi";
import { EVALUATION_RESULTS } from "../../../../drizzle/schema/index.ts";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { PageQuerySchema, pageOf } from "../../../http/pagination.ts";
import { ClusterRefSchema, PoolRefSchema } from "../../../http/params.ts";
import { listStrategyHistory } from "../../../services/strategies/list-strategy-history.ts";
import { EvaluationSchema, StrategyIdParams } from "./schemas.ts";

const HistoryQuery = PageQuerySchema.extend({
  clusterId: ClusterRefSchema.optional().openapi({
    description: "only this cluster's evaluations (id or name)",
  }),
  poolId: PoolRefSchema.optional().openapi({
    description: "only this pool's evaluations (id, name or cluster/pool)",
  }),
  result: z.enum(EVALUATION_RESULTS).optional(),
});

const route = createRoute({
  method: "get",
  path: "/v1/strategies/{strategyId}/history",
  operationId: "listStrategyEvaluations",
  tags: ["strategies"],
  summary: "A capacity strategy's evaluations, newest first (viewer)",
  description:
    "One row per (cluster, pool, scheduled run): the result, what the evaluation saw and why. A " +
    "cluster-scoped token sees its own cluster's rows only.",
  security: [{ [BEARER_SCHEME]: [] }],
  request: { params: StrategyIdParams, query: HistoryQuery },
  responses: {
    200: {
      description: "A page of evaluations, newest first",
      content: { "application/json": { schema: pageOf(EvaluationSchema, "StrategyEvaluationPage") } },
    },
    ...errorResponses("validation_failed", "unauthorized", "forbidden", "not_found"),
  },
});

export const registerStrategyHistory = defineRoute({
  route,
  access: "viewer",
  run: async (c, { ctx, principal }) => {
    const { strategyId } = c.req.valid("param");
    const input = { ...c.req.valid("query"), strategyId, visibleCluster: principal.clusterId };
    return c.json(await listStrategyHistory({ ctx, input }), 200);
  },
});
