import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { createStrategy } from "../../../services/strategies/create-strategy.ts";
import { CreateStrategyBody, presentStrategy, StrategySchema } from "./schemas.ts";

const route = createRoute({
  method: "post",
  path: "/v1/strategies",
  operationId: "createStrategy",
  tags: ["strategies"],
  summary: "Create a capacity strategy (unscoped operator)",
  description:
    "Percentages lie in 0-100; at least one of cpu and memory; for pool_entry each target is below its " +
    "threshold, for pool_exit above. Templates, clusters and pools it names must exist. A refusal is a " +
    "400 naming the field (cpu.target, scope.clusterIds[1], extraConditions[0].blocks[1].operator); a " +
    "name another strategy has is a 409.",
  security: [{ [BEARER_SCHEME]: [] }],
  request: { body: { required: true, content: { "application/json": { schema: CreateStrategyBody } } } },
  responses: {
    201: { description: "Created", content: { "application/json": { schema: StrategySchema } } },
    ...errorResponses("validation_failed", "bad_request", "unauthorized", "forbidden", "conflict"),
  },
});

export const registerCreateStrategy = defineRoute({
  route,
  access: "operator",
  unscopedOnly: "strategies span the fleet: a cluster-scoped token cannot change them",
  audit: { action: "strategy.create", resourceType: "strategy" },
  run: async (c, { ctx }) =>
    c.json(presentStrategy(await createStrategy({ ctx, input: c.req.valid("json") })), 201),
});
