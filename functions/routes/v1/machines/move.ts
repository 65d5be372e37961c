import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../../app.ts";
import { setAudit } from "../../../http/audit.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { MachineIdParams } from "../../../http/params.ts";
import { assertClusterAccess, clusterScopeOf, requireRole } from "../../../http/principal.ts";
import { moveMachine } from "../../../services/machines/assign-machine.ts";
import { AssignBody } from "./request-schemas.ts";
import { MachineSchema, presentMachine } from "./schemas.ts";

const route = createRoute({
  method: "post",
  path: "/v1/machines/{machineId}/move",
  tags: ["machines"],
  summary: "Move an available, assigned machine to another pool, of this or another cluster (operator)",
  description:
    "The machine must meet the target pool's requirements. Moving to its own pool changes nothing.",
  security: [{ [BEARER_SCHEME]: [] }],
  request: {
    params: MachineIdParams,
    body: { required: true, content: { "application/json": { schema: AssignBody } } },
  },
  responses: {
    200: { description: "The moved machine", content: { "application/json": { schema: MachineSchema } } },
    ...errorResponses(
      "validation_failed",
      "bad_request",
      "unauthorized",
      "forbidden",
      "not_found",
      "conflict",
      "stale_version",
    ),
  },
});

export function registerMoveMachine(app: App): void {
  app.openapi(route, async (c) => {
    const principal = requireRole(c.get("principal"), "operator");
    const { machineId } = c.req.valid("param");
    const body = c.req.valid("json");
    setAudit(c, {
      action: "machine.move",
      resourceType: "machine",
      resourceId: machineId,
      clusterId: body.clusterId,
      changes: { clusterId: body.clusterId, poolId: body.poolId },
    });
    assertClusterAccess(principal, body.clusterId);
    const ctx = await c.get("scope").serviceContext(principal.actor);
    const machine = await moveMachine({
      ctx,
      input: { ...body, machineId, scopeClusterId: clusterScopeOf(principal) },
    });
    return c.json(presentMachine(machine), 200);
  });
}
