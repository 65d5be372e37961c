import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { PoolIdParams } from "../../../http/params.ts";
import { getPool } from "../../../services/pools/get-pool.ts";
import { PoolSchema } from "./schemas.ts";

const route = createRoute({
  method: "get",
  path: "/v1/clusters/{clusterId}/pools/{poolId}",
  operationId: "getPool",
  tags: ["pools"],
  summary: "One node pool (viewer)",
  security: [{ [BEARER_SCHEME]: [] }],
  request: { params: PoolIdParams },
  responses: {
    200: { description: "The pool", content: { "application/json": { schema: PoolSchema } } },
    ...errorResponses("validation_failed", "unauthorized", "forbidden", "not_found"),
  },
});

export const registerGetPool = defineRoute({
  route,
  access: "viewer",
  run: async (c, { ctx, principal }) => {
    const { clusterId, poolId } = c.req.valid("param");
    // hook scripts run as root on the machines and may hold secrets: operators only
    const redactHooks = principal.role === "viewer";
    return c.json(await getPool({ ctx, input: { clusterId, poolId, redactHooks } }), 200);
  },
});
