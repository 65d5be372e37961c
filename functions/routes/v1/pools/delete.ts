import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../../http/hono-env.ts";
import { setAudit } from "../../../http/audit.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { PoolIdParams } from "../../../http/params.ts";
import { assertClusterAccess, requireRole } from "../../../services/auth/principal.ts";
import { deletePool } from "../../../services/pools/delete-pool.ts";
import { DeletedPoolSchema } from "./schemas.ts";

const route = createRoute({
  method: "delete",
  path: "/v1/clusters/{clusterId}/pools/{poolId}",
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

export function registerDeletePool(app: App): void {
  app.openapi(route, async (c) => {
    const principal = requireRole(c.get("principal"), "operator");
    const { clusterId, poolId } = c.req.valid("param");
    assertClusterAccess(principal, clusterId);
    setAudit(c, { action: "pool.delete", resourceType: "pool", resourceId: poolId, clusterId });
    const ctx = await c.get("scope").serviceContext(principal.actor);
    const deleted = await deletePool({ ctx, input: { clusterId, poolId } });
    setAudit(c, {
      action: "pool.delete",
      resourceType: "pool",
      changes: { name: deleted.name, detachedArchivedMachines: deleted.detachedArchivedMachines },
    });
    return c.json(deleted, 200);
  });
}
