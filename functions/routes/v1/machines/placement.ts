/**
 * The shared shape of assign and move: put an available machine into a
 * cluster's pool. Both check the target pool's hardware requirements and
 * differ only in which machines they accept (free vs already assigned).
 */
import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { MachineIdParams } from "../../../http/params.ts";
import type { assignMachine } from "../../../services/machines/assign-machine.ts";
import { AssignBody } from "./request-schemas.ts";
import { MachineSchema, presentMachine } from "./schemas.ts";

export interface PlacementRoute {
  verb: "assign" | "move";
  summary: string;
  description: string;
  service: typeof assignMachine;
}

/** The route of one placement verb, ready to register. */
export function placementRoute(spec: PlacementRoute) {
  const route = createRoute({
    method: "post",
    path: `/v1/machines/{machineId}/${spec.verb}`,
    operationId: `${spec.verb}Machine`,
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

  return defineRoute({
    route,
    access: "operator",
    audit: { action: `machine.${spec.verb}`, resourceType: "machine" },
    run: async (c, { ctx, principal }) => {
      const { machineId } = c.req.valid("param");
      // The target cluster comes from the body: a scoped token naming another cluster by name
      // is not found when the name is resolved; by id, the service refuses it (scopeClusterId).
      const body = c.req.valid("json");
      const machine = await spec.service({
        ctx,
        input: { ...body, machineId, scopeClusterId: principal.clusterId },
      });
      return c.json(presentMachine(machine), 200);
    },
  });
}
