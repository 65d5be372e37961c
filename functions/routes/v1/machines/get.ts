import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../../http/hono-env.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { MachineIdParams } from "../../../http/params.ts";
import { clusterScopeOf, requireRole } from "../../../services/auth/principal.ts";
import { getMachine } from "../../../services/machines/get-machine.ts";
import { MachineSchema, presentMachine } from "./schemas.ts";

const route = createRoute({
  method: "get",
  path: "/v1/machines/{machineId}",
  tags: ["machines"],
  summary: "One machine (viewer)",
  security: [{ [BEARER_SCHEME]: [] }],
  request: { params: MachineIdParams },
  responses: {
    200: { description: "The machine", content: { "application/json": { schema: MachineSchema } } },
    ...errorResponses("validation_failed", "unauthorized", "forbidden", "not_found"),
  },
});

export function registerGetMachine(app: App): void {
  app.openapi(route, async (c) => {
    const principal = requireRole(c.get("principal"), "viewer");
    const { machineId } = c.req.valid("param");
    const ctx = await c.get("scope").serviceContext(principal.actor);
    const machine = await getMachine({
      ctx,
      input: { machineId, scopeClusterId: clusterScopeOf(principal) },
    });
    return c.json(presentMachine(machine), 200);
  });
}
