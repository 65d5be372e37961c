import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { ClusterIdParams } from "../../../http/params.ts";
import { createPool } from "../../../services/pools/create-pool.ts";
import { CreatePoolBody, PoolSchema } from "./schemas.ts";

const route = createRoute({
  method: "post",
  path: "/v1/clusters/{clusterId}/pools",
  operationId: "createPool",
  tags: ["pools"],
  summary: "Create a node pool in a cluster (operator)",
  security: [{ [BEARER_SCHEME]: [] }],
  request: {
    params: ClusterIdParams,
    body: { required: true, content: { "application/json": { schema: CreatePoolBody } } },
  },
  responses: {
    201: { description: "The new pool", content: { "application/json": { schema: PoolSchema } } },
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

export const registerCreatePool = defineRoute({
  route,
  access: "operator",
  audit: { action: "pool.create", resourceType: "pool" },
  run: async (c, { ctx }) => {
    const { clusterId } = c.req.valid("param");
    const pool = await createPool({ ctx, input: { clusterId, pool: c.req.valid("json") } });
    return c.json(pool, 201);
  },
});
