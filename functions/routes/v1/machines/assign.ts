import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../../app.ts";
import { setAudit } from "../../../http/audit.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { MachineIdParams } from "../../../http/params.ts";
import { assertClusterAccess, clusterScopeOf, requireRole } from "../../../http/principal.ts";
import { assignMachine } from "../../../services/machines/assign-machine.ts";
import { AssignBody } from "./request-schemas.ts";
import { MachineSchema, presentMachine } from "./schemas.ts";

const route = createRoute({
  method: "post",
  path: "/v1/machines/{machineId}/assign",
  tags: ["machines"],
  summary: "Put a free, available machine into a pool (operator)",
  description:
    "The machine must meet the pool's hardware requirements; the 409 lists every reason it does not.",
  security: [{ [BEARER_SCHEME]: [] }],
  request: {
    params: MachineIdParams,
    body: { required: true, content: { "application/json": { schema: AssignBody } } },
  },
  responses: {
    200: { description: "The assigned machine", content: { "application/json": { schema: MachineSchema } } },
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

export function registerAssignMachine(app: App): void {
  app.openapi(route, async (c) => {
    const principal = requireRole(c.get("principal"), "operator");
    const { machineId } = c.req.valid("param");
    const body = c.req.valid("json");
    setAudit(c, {
      action: "machine.assign",
      resourceType: "machine",
      resourceId: machineId,
      clusterId: body.clusterId,
      changes: { clusterId: body.clusterId, poolId: body.poolId },
    });
    assertClusterAccess(principal, body.clusterId);
    const ctx = await c.get("scope").serviceContext(principal.actor);
    const machine = await assignMachine({
      ctx,
      input: { ...body, machineId, scopeClusterId: clusterScopeOf(principal) },
    });
    return c.json(presentMachine(machine), 200);
  });
}
