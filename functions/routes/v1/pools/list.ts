import { createRoute, z } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { PageQuerySchema, pageOf } from "../../../http/pagination.ts";
import { ClusterIdParams } from "../../../http/params.ts";
import { listPools } from "../../../services/pools/list-pools.ts";
import { PoolSchema, PoolTypeSchema, withoutNul } from "./schemas.ts";

const ListPoolsQuery = PageQuerySchema.extend({
  q: z
    .string()
    .max(200)
    .refine(withoutNul, { message: "must not contain NUL characters" })
    .optional()
    .openapi({ description: "case-insensitive text in name or description" }),
  poolType: PoolTypeSchema.optional().openapi({ description: "only pools of this type" }),
});

const route = createRoute({
  method: "get",
  path: "/v1/clusters/{clusterId}/pools",
  operationId: "listPools",
  tags: ["pools"],
  summary: "List a cluster's node pools (viewer)",
  security: [{ [BEARER_SCHEME]: [] }],
  request: { params: ClusterIdParams, query: ListPoolsQuery },
  responses: {
    200: {
      description: "A page of pools, oldest first",
      content: { "application/json": { schema: pageOf(PoolSchema, "PoolPage") } },
    },
    ...errorResponses("validation_failed", "unauthorized", "forbidden", "not_found"),
  },
});

export const registerListPools = defineRoute({
  route,
  access: "viewer",
  run: async (c, { ctx, principal }) => {
    const { clusterId } = c.req.valid("param");
    const query = c.req.valid("query");
    // hook scripts run as root on the machines and may hold secrets: operators only
    const redactHooks = principal.role === "viewer";
    return c.json(await listPools({ ctx, input: { clusterId, ...query, redactHooks } }), 200);
  },
});
