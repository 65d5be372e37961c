import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { MachineIdParams } from "../../../http/params.ts";
import { unassignMachine } from "../../../services/machines/assign-machine.ts";
import { VersionBody } from "./request-schemas.ts";
import { MachineSchema, presentMachine } from "./schemas.ts";

const route = createRoute({
  method: "post",
  path: "/v1/machines/{machineId}/unassign",
  operationId: "unassignMachine",
  tags: ["machines"],
  summary: "Return a machine that is not in use to the free inventory (operator)",
  security: [{ [BEARER_SCHEME]: [] }],
  request: {
    params: MachineIdParams,
    body: { required: false, content: { "application/json": { schema: VersionBody } } },
  },
  responses: {
    200: {
      description: "The machine, now unassigned",
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
      "unsupported_media_type",
    ),
  },
});

export const registerUnassignMachine = defineRoute({
  route,
  access: "operator",
  audit: { action: "machine.unassign", resourceType: "machine" },
  run: async (c, { ctx, principal }) => {
    const { machineId } = c.req.valid("param");
    const { expectedVersion } = c.req.valid("json");
    const machine = await unassignMachine({
      ctx,
      input: { machineId, scopeClusterId: principal.clusterId, expectedVersion },
    });
    return c.json(presentMachine(machine), 200);
  },
});
