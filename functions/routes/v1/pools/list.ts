import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../../../http/hono-env.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { PageQuerySchema, pageOf } from "../../../http/pagination.ts";
import { ClusterIdParams } from "../../../http/params.ts";
import { assertClusterAccess, requireRole } from "../../../services/auth/principal.ts";
import { listPools } from "../../../services/pools/list-pools.ts";
import { PoolSchema, withoutNul } from "./schemas.ts";

const ListPoolsQuery = PageQuerySchema.extend({
  q: z
    .string()
    .max(200)
    .refine(withoutNul, { message: "must not contain NUL characters" })
    .optional()
    .openapi({ description: "case-insensitive text in name or description" }),
});

const route = createRoute({
  method: "get",
  path: "/v1/clusters/{clusterId}/pools",
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

export function registerListPools(app: App): void {
  app.openapi(route, async (c) => {
    const principal = requireRole(c.get("principal"), "viewer");
    const { clusterId } = c.req.valid("param");
    const query = c.req.valid("query");
    assertClusterAccess(principal, clusterId);
    const ctx = await c.get("scope").serviceContext(principal.actor);
    // hook scripts run as root on the machines and may hold secrets: operators only
    const redactHooks = principal.role === "viewer";
    return c.json(await listPools({ ctx, input: { clusterId, ...query, redactHooks } }), 200);
  });
}
