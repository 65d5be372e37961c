/**
 * The shared shape of assign and move: put an available machine into a
 * cluster's pool. Both check the target pool's hardware requirements and
 * differ only in which machines they accept (free vs already assigned).
 */
import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../../http/hono-env.ts";
import { setAudit } from "../../../http/audit.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { MachineIdParams } from "../../../http/params.ts";
import { assertClusterAccess, clusterScopeOf, requireRole } from "../../../services/auth/principal.ts";
import type { assignMachine } from "../../../services/machines/assign-machine.ts";
import { AssignBody } from "./request-schemas.ts";
import { MachineSchema, presentMachine } from "./schemas.ts";

export interface PlacementRoute {
  verb: "assign" | "move";
  summary: string;
  description: string;
  service: typeof assignMachine;
}

export function registerPlacementRoute(app: App, spec: PlacementRoute): void {
  const route = createRoute({
    method: "post",
    path: `/v1/machines/{machineId}/${spec.verb}`,
    tags: ["machines"],
    summary: spec.summary,
    description: spec.description,
    security: [{ [BEARER_SCHEME]: [] }],
    request: {
      params: MachineIdParams,
      body: { required: true, content: { "application/json": { schema: AssignBody } } },
    },
    responses: {
      200: {
        description: "The machine in its pool",
        content: { "application/json": { schema: MachineSchema } },
      },
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

  app.openapi(route, async (c) => {
    const principal = requireRole(c.get("principal"), "operator");
    const { machineId } = c.req.valid("param");
    const body = c.req.valid("json");
    setAudit(c, {
      action: `machine.${spec.verb}`,
      resourceType: "machine",
      resourceId: machineId,
      clusterId: body.clusterId,
      changes: { clusterId: body.clusterId, poolId: body.poolId },
    });
    assertClusterAccess(principal, body.clusterId);
    const ctx = await c.get("scope").serviceContext(principal.actor);
    const machine = await spec.service({
      ctx,
      input: { ...body, machineId, scopeClusterId: clusterScopeOf(principal) },
    });
    return c.json(presentMachine(machine), 200);
  });
}
