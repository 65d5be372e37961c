import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { PoolIdParams } from "../../../http/params.ts";
import { deletePool } from "../../../services/pools/delete-pool.ts";
import { DeletedPoolSchema } from "./schemas.ts";

const route = createRoute({
  method: "delete",
  path: "/v1/clusters/{clusterId}/pools/{poolId}",
  operationId: "deletePool",
  tags: ["pools"],
  summary: "Delete a node pool with no machines assigned (operator)",
  description:
    "Refused with 409 (details: assigned machines by status) while any machine that is not archived is " +
    "assigned to the pool. Archived machines keep their history and let go of the pool.",
  security: [{ [BEARER_SCHEME]: [] }],
  request: { params: PoolIdParams },
  responses: {
    200: { description: "Deleted", content: { "application/json": { schema: DeletedPoolSchema } } },
    ...errorResponses("validation_failed", "unauthorized", "forbidden", "not_found", "conflict"),
  },
});

export const registerDeletePool = defineRoute({
  route,
  access: "operator",
  audit: { action: "pool.delete", resourceType: "pool" },
  run: async (c, { ctx }) => {
    const { clusterId, poolId } = c.req.valid("param");
    return c.json(await deletePool({ ctx, input: { clusterId, poolId } }), 200);
  },
});
