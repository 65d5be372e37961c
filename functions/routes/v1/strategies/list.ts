import { createRoute, z } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { PageQuerySchema, pageOf } from "../../../http/pagination.ts";
import { listStrategies } from "../../../services/strategies/list-strategies.ts";
import { PoolActionSchema } from "../matching-policies/schemas.ts";
import { presentStrategy, StrategySchema, StrategyStatusSchema } from "./schemas.ts";

const ListStrategiesQuery = PageQuerySchema.extend({
  status: StrategyStatusSchema.optional(),
  action: PoolActionSchema.optional(),
  q: z.string().max(200).optional().openapi({ description: "case-insensitive text in name or description" }),
});

const route = createRoute({
  method: "get",
  path: "/v1/strategies",
  operationId: "listStrategies",
  tags: ["strategies"],
  summary: "List capacity strategies (viewer)",
  description: "A cluster-scoped token sees the strategies whose scope is empty or reaches its cluster.",
  security: [{ [BEARER_SCHEME]: [] }],
  request: { query: ListStrategiesQuery },
  responses: {
    200: {
      description: "A page of strategies, oldest first",
      content: { "application/json": { schema: pageOf(StrategySchema, "StrategyPage") } },
    },
    ...errorResponses("validation_failed", "unauthorized", "forbidden"),
  },
});

export const registerListStrategies = defineRoute({
  route,
  access: "viewer",
  run: async (c, { ctx, principal }) => {
    const input = { ...c.req.valid("query"), visibleCluster: principal.clusterId };
    const page = await listStrategies({ ctx, input });
    return c.json({ items: page.items.map(presentStrategy), nextCursor: page.nextCursor }, 200);
  },
});
