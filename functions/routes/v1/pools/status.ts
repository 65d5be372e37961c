import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../../http/hono-env.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { PoolIdParams } from "../../../http/params.ts";
import { assertClusterAccess, requireRole } from "../../../services/auth/principal.ts";
import { poolStatus } from "../../../services/pools/pool-status.ts";
import { PoolStatusSchema } from "./schemas.ts";

const route = createRoute({
  method: "get",
  path: "/v1/clusters/{clusterId}/pools/{poolId}/status",
  tags: ["pools"],
  summary: "A pool's machines per state, target size, bounds and recent events (viewer)",
  security: [{ [BEARER_SCHEME]: [] }],
  request: { params: PoolIdParams },
  responses: {
    200: { description: "The pool's status", content: { "application/json": { schema: PoolStatusSchema } } },
    ...errorResponses("validation_failed", "unauthorized", "forbidden", "not_found"),
  },
});

export function registerPoolStatus(app: App): void {
  app.openapi(route, async (c) => {
    const principal = requireRole(c.get("principal"), "viewer");
    const { clusterId, poolId } = c.req.valid("param");
    assertClusterAccess(principal, clusterId);
    const ctx = await c.get("scope").serviceContext(principal.actor);
    return c.json(await poolStatus({ ctx, input: { clusterId, poolId } }), 200);
  });
}
