import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { MachineIdParams } from "../../../http/params.ts";
import { updateMachine } from "../../../services/machines/update-machine.ts";
import { MachineSchema, MachineUpdateSchema, presentMachine } from "./schemas.ts";

const route = createRoute({
  method: "patch",
  path: "/v1/machines/{machineId}",
  operationId: "updateMachine",
  tags: ["machines"],
  summary: "Change labels, tags, SSH access or location of a machine (operator)",
  description:
    "Labels and tags are replaced whole. On an assigned machine, a change that would make it stop " +
    "meeting its pool's requirements is a 409.",
  security: [{ [BEARER_SCHEME]: [] }],
  request: {
    params: MachineIdParams,
    body: { required: true, content: { "application/json": { schema: MachineUpdateSchema } } },
  },
  responses: {
    200: { description: "The machine", content: { "application/json": { schema: MachineSchema } } },
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

export const registerUpdateMachine = defineRoute({
  route,
  access: "operator",
  audit: { action: "machine.update", resourceType: "machine" },
  run: async (c, { ctx, principal }) => {
    const { machineId } = c.req.valid("param");
    const { expectedVersion, ...changes } = c.req.valid("json");
    const machine = await updateMachine({
      ctx,
      input: { machineId, scopeClusterId: principal.clusterId, changes, expectedVersion },
    });
    return c.json(presentMachine(machine), 200);
  },
});
