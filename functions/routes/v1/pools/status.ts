import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { PoolIdParams } from "../../../http/params.ts";
import { poolStatus } from "../../../services/pools/pool-status.ts";
import { PoolStatusSchema } from "./schemas.ts";

const route = createRoute({
  method: "get",
  path: "/v1/clusters/{clusterId}/pools/{poolId}/status",
  operationId: "getPoolStatus",
  tags: ["pools"],
  summary:
    "A pool's machines per state, target size, bounds, recent events and why it did or did not scale (viewer)",
  security: [{ [BEARER_SCHEME]: [] }],
  request: { params: PoolIdParams },
  responses: {
    200: { description: "The pool's status", content: { "application/json": { schema: PoolStatusSchema } } },
    ...errorResponses("validation_failed", "unauthorized", "forbidden", "not_found"),
  },
});

export const registerPoolStatus = defineRoute({
  route,
  access: "viewer",
  run: async (c, { ctx }) => {
    const { clusterId, poolId } = c.req.valid("param");
    return c.json(await poolStatus({ ctx, input: { clusterId, poolId } }), 200);
  },
});
