import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { getStrategy } from "../../../services/strategies/get-strategy.ts";
import { presentStrategy, StrategyIdParams, StrategySchema } from "./schemas.ts";

const route = createRoute({
  method: "get",
  path: "/v1/strategies/{strategyId}",
  operationId: "getStrategy",
  tags: ["strategies"],
  summary: "One capacity strategy (viewer)",
  description: "A cluster-scoped token is told 404 for a strategy whose scope does not reach its cluster.",
  security: [{ [BEARER_SCHEME]: [] }],
  request: { params: StrategyIdParams },
  responses: {
    200: { description: "The strategy", content: { "application/json": { schema: StrategySchema } } },
    ...errorResponses("validation_failed", "unauthorized", "forbidden", "not_found"),
  },
});

export const registerGetStrategy = defineRoute({
  route,
  access: "viewer",
  run: async (c, { ctx, principal }) => {
    const { strategyId } = c.req.valid("param");
    const view = await getStrategy({ ctx, input: { id: strategyId, visibleCluster: principal.clusterId } });
    return c.json(presentStrategy(view), 200);
  },
});
