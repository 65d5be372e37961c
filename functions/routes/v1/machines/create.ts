import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { createMachine } from "../../../services/machines/create-machine.ts";
import { MachineInputSchema, MachineSchema, presentMachine } from "./schemas.ts";

const route = createRoute({
  method: "post",
  path: "/v1/machines",
  operationId: "createMachine",
  tags: ["machines"],
  summary: "Add a machine to the free inventory (operator, unscoped)",
  description: "The machine starts available, in no cluster. A live machine with the same IP is a 409.",
  security: [{ [BEARER_SCHEME]: [] }],
  request: { body: { required: true, content: { "application/json": { schema: MachineInputSchema } } } },
  responses: {
    201: { description: "The new machine", content: { "application/json": { schema: MachineSchema } } },
    ...errorResponses("validation_failed", "bad_request", "unauthorized", "forbidden", "conflict"),
  },
});

export const registerCreateMachine = defineRoute({
  route,
  access: "operator",
  // the free inventory belongs to no cluster, so only unscoped tokens manage it
  unscopedOnly: "a cluster-scoped token cannot add machines to the free inventory",
  audit: { action: "machine.create", resourceType: "machine" },
  run: async (c, { ctx, principal }) => {
    const input = { ...c.req.valid("json"), scopeClusterId: principal.clusterId };
    return c.json(presentMachine(await createMachine({ ctx, input })), 201);
  },
});
