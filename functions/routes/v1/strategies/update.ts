import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { updateStrategy } from "../../../services/strategies/update-strategy.ts";
import { presentStrategy, StrategyIdParams, StrategySchema, UpdateStrategyBody } from "./schemas.ts";

const route = createRoute({
  method: "patch",
  path: "/v1/strategies/{strategyId}",
  operationId: "updateStrategy",
  tags: ["strategies"],
  summary: "Change a capacity strategy (unscoped operator)",
  description:
    "Any field but status; a metric, the scope and extraConditions are replaced whole, and the merged " +
    "strategy is checked as on create. With expectedVersion, a strategy changed since is a 409 stale_version.",
  security: [{ [BEARER_SCHEME]: [] }],
  request: {
    params: StrategyIdParams,
    body: { required: true, content: { "application/json": { schema: UpdateStrategyBody } } },
  },
  responses: {
    200: { description: "The strategy", content: { "application/json": { schema: StrategySchema } } },
    ...errorResponses(
      "validation_failed",
      "bad_request",
      "unauthorized",
      "forbidden",
      "not_found",
      "conflict",
      "stale_version",
    ),
  },
});

export const registerUpdateStrategy = defineRoute({
  route,
  access: "operator",
  unscopedOnly: "strategies span the fleet: a cluster-scoped token cannot change them",
  audit: { action: "strategy.update", resourceType: "strategy" },
  run: async (c, { ctx }) => {
    const { strategyId } = c.req.valid("param");
    const { expectedVersion, ...changes } = c.req.valid("json");
    const view = await updateStrategy({ ctx, input: { id: strategyId, changes, expectedVersion } });
    return c.json(presentStrategy(view), 200);
  },
});
