import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { PoolIdParams } from "../../../http/params.ts";
import { updatePool } from "../../../services/pools/update-pool.ts";
import { PoolSchema, UpdatePoolBody } from "./schemas.ts";

const route = createRoute({
  method: "patch",
  path: "/v1/clusters/{clusterId}/pools/{poolId}",
  operationId: "updatePool",
  tags: ["pools"],
  summary: "Change any settings of a node pool (operator)",
  security: [{ [BEARER_SCHEME]: [] }],
  request: {
    params: PoolIdParams,
    body: { required: true, content: { "application/json": { schema: UpdatePoolBody } } },
  },
  responses: {
    200: { description: "The updated pool", content: { "application/json": { schema: PoolSchema } } },
    ...errorResponses(
      "validation_failed",
      "bad_request",
      "unauthorized",
      "forbidden",
      "not_found",
      "conflict",
    ),
  },
});

export const registerUpdatePool = defineRoute({
  route,
  access: "operator",
  audit: { action: "pool.update", resourceType: "pool" },
  run: async (c, { ctx }) => {
    const { clusterId, poolId } = c.req.valid("param");
    const changes = c.req.valid("json");
    return c.json(await updatePool({ ctx, input: { clusterId, poolId, changes } }), 200);
  },
});
