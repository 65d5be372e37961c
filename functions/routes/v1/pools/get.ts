import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../../http/hono-env.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { PoolIdParams } from "../../../http/params.ts";
import { assertClusterAccess, requireRole } from "../../../services/auth/principal.ts";
import { getPool } from "../../../services/pools/get-pool.ts";
import { PoolSchema } from "./schemas.ts";

const route = createRoute({
  method: "get",
  path: "/v1/clusters/{clusterId}/pools/{poolId}",
  tags: ["pools"],
  summary: "One node pool (viewer)",
  security: [{ [BEARER_SCHEME]: [] }],
  request: { params: PoolIdParams },
  responses: {
    200: { description: "The pool", content: { "application/json": { schema: PoolSchema } } },
    ...errorResponses("validation_failed", "unauthorized", "forbidden", "not_found"),
  },
});

export function registerGetPool(app: App): void {
  app.openapi(route, async (c) => {
    const principal = requireRole(c.get("principal"), "viewer");
    const { clusterId, poolId } = c.req.valid("param");
    assertClusterAccess(principal, clusterId);
    const ctx = await c.get("scope").serviceContext(principal.actor);
    // hook scripts run as root on the machines and may hold secrets: operators only
    const redactHooks = principal.role === "viewer";
    return c.json(await getPool({ ctx, input: { clusterId, poolId, redactHooks } }), 200);
  });
}
