import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { deleteStrategy } from "../../../services/strategies/delete-strategy.ts";
import { presentStrategy, StrategyIdParams, StrategySchema } from "./schemas.ts";

const route = createRoute({
  method: "delete",
  path: "/v1/strategies/{strategyId}",
  operationId: "deleteStrategy",
  tags: ["strategies"],
  summary: "Delete a capacity strategy and its history (unscoped operator)",
  description: "Its orders stay and no longer name it.",
  security: [{ [BEARER_SCHEME]: [] }],
  request: { params: StrategyIdParams },
  responses: {
    200: { description: "The deleted strategy", content: { "application/json": { schema: StrategySchema } } },
    ...errorResponses("validation_failed", "unauthorized", "forbidden", "not_found"),
  },
});

export const registerDeleteStrategy = defineRoute({
  route,
  access: "operator",
  unscopedOnly: "strategies span the fleet: a cluster-scoped token cannot change them",
  audit: { action: "strategy.delete", resourceType: "strategy" },
  run: async (c, { ctx }) => {
    const { strategyId } = c.req.valid("param");
    return c.json(presentStrategy(await deleteStrategy({ ctx, input: { id: strategyId } })), 200);
  },
});
