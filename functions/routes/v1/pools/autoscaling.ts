/** The route both enable.ts and disable.ts register, differing only in the state they ask for. */
import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../../http/hono-env.ts";
import { setAudit } from "../../../http/audit.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { PoolIdParams } from "../../../http/params.ts";
import { assertClusterAccess, requireRole } from "../../../services/auth/principal.ts";
import { setAutoscaling } from "../../../services/pools/set-autoscaling.ts";
import { PoolSchema } from "./schemas.ts";

export function registerAutoscalingToggle(app: App, enabled: boolean): void {
  const verb = enabled ? "enable" : "disable";
  const route = createRoute({
    method: "post",
    path: `/v1/clusters/{clusterId}/pools/{poolId}/${verb}`,
    tags: ["pools"],
    summary: `${enabled ? "Enable" : "Disable"} autoscaling of a node pool; idempotent (operator)`,
    security: [{ [BEARER_SCHEME]: [] }],
    request: { params: PoolIdParams },
    responses: {
      200: { description: "The pool", content: { "application/json": { schema: PoolSchema } } },
      ...errorResponses("validation_failed", "unauthorized", "forbidden", "not_found"),
    },
  });
  app.openapi(route, async (c) => {
    const principal = requireRole(c.get("principal"), "operator");
    const { clusterId, poolId } = c.req.valid("param");
    assertClusterAccess(principal, clusterId);
    setAudit(c, { action: `pool.${verb}`, resourceType: "pool", resourceId: poolId, clusterId });
    const ctx = await c.get("scope").serviceContext(principal.actor);
    return c.json(await setAutoscaling({ ctx, input: { clusterId, poolId, enabled } }), 200);
  });
}
