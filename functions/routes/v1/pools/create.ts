import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../../http/hono-env.ts";
import { setAudit } from "../../../http/audit.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { ClusterIdParams } from "../../../http/params.ts";
import { assertClusterAccess, requireRole } from "../../../services/auth/principal.ts";
import { createPool } from "../../../services/pools/create-pool.ts";
import { auditChangesOf, CreatePoolBody, PoolSchema } from "./schemas.ts";

const route = createRoute({
  method: "post",
  path: "/v1/clusters/{clusterId}/pools",
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

export function registerCreatePool(app: App): void {
  app.openapi(route, async (c) => {
    const principal = requireRole(c.get("principal"), "operator");
    const { clusterId } = c.req.valid("param");
    const body = c.req.valid("json");
    assertClusterAccess(principal, clusterId);
    setAudit(c, { action: "pool.create", resourceType: "pool", clusterId, changes: auditChangesOf(body) });
    const ctx = await c.get("scope").serviceContext(principal.actor);
    const pool = await createPool({ ctx, input: { clusterId, pool: body } });
    setAudit(c, { action: "pool.create", resourceType: "pool", resourceId: pool.id });
    return c.json(pool, 201);
  });
}
