import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../../http/hono-env.ts";
import { setAudit } from "../../../http/audit.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { PoolIdParams } from "../../../http/params.ts";
import { assertClusterAccess, requireRole } from "../../../services/auth/principal.ts";
import { updatePool } from "../../../services/pools/update-pool.ts";
import { auditChangesOf, PoolSchema, UpdatePoolBody } from "./schemas.ts";

const route = createRoute({
  method: "patch",
  path: "/v1/clusters/{clusterId}/pools/{poolId}",
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

export function registerUpdatePool(app: App): void {
  app.openapi(route, async (c) => {
    const principal = requireRole(c.get("principal"), "operator");
    const { clusterId, poolId } = c.req.valid("param");
    const body = c.req.valid("json");
    assertClusterAccess(principal, clusterId);
    setAudit(c, {
      action: "pool.update",
      resourceType: "pool",
      resourceId: poolId,
      clusterId,
      changes: auditChangesOf(body),
    });
    const ctx = await c.get("scope").serviceContext(principal.actor);
    return c.json(await updatePool({ ctx, input: { clusterId, poolId, changes: body } }), 200);
  });
}
