import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { MachineIdParams } from "../../../http/params.ts";
import { getMachine } from "../../../services/machines/get-machine.ts";
import { MachineSchema, presentMachine } from "./schemas.ts";

const route = createRoute({
  method: "get",
  path: "/v1/machines/{machineId}",
  operationId: "getMachine",
  tags: ["machines"],
  summary: "One machine, by id or hostname (viewer)",
  description: "A hostname more than one visible machine has is a 409 listing them.",
  security: [{ [BEARER_SCHEME]: [] }],
  request: { params: MachineIdParams },
  responses: {
    200: { description: "The machine", content: { "application/json": { schema: MachineSchema } } },
    ...errorResponses("validation_failed", "unauthorized", "forbidden", "not_found", "conflict"),
  },
});

export const registerGetMachine = defineRoute({
  route,
  access: "viewer",
  run: async (c, { ctx, principal }) => {
    const { machineId } = c.req.valid("param");
    const machine = await getMachine({ ctx, input: { machineId, scopeClusterId: principal.clusterId } });
    return c.json(presentMachine(machine), 200);
  },
});
