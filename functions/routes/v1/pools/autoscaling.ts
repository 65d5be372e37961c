/** The route both enable.ts and disable.ts register, differing only in the state they ask for. */
import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { PoolIdParams } from "../../../http/params.ts";
import { setAutoscaling } from "../../../services/pools/set-autoscaling.ts";
import { PoolSchema } from "./schemas.ts";

export function autoscalingToggle(enabled: boolean) {
  const verb = enabled ? "enable" : "disable";
  const route = createRoute({
    method: "post",
    path: `/v1/clusters/{clusterId}/pools/{poolId}/${verb}`,
    operationId: `${verb}PoolAutoscaling`,
    tags: ["pools"],
    summary: `${enabled ? "Enable" : "Disable"} autoscaling of a node pool; idempotent (operator)`,
    security: [{ [BEARER_SCHEME]: [] }],
    request: { params: PoolIdParams },
    responses: {
      200: { description: "The pool", content: { "application/json": { schema: PoolSchema } } },
      ...errorResponses("validation_failed", "unauthorized", "forbidden", "not_found"),
    },
  });
  return defineRoute({
    route,
    access: "operator",
    audit: { action: `pool.${verb}`, resourceType: "pool" },
    run: async (c, { ctx }) => {
      const { clusterId, poolId } = c.req.valid("param");
      return c.json(await setAutoscaling({ ctx, input: { clusterId, poolId, enabled } }), 200);
    },
  });
}
