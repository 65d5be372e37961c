import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../../http/hono-env.ts";
import { setAudit } from "../../../http/audit.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { requireRole } from "../../../services/auth/principal.ts";
import { AppError } from "../../../lib/errors.ts";
import { createMachine } from "../../../services/machines/create-machine.ts";
import { MachineInputSchema, MachineSchema, presentMachine } from "./schemas.ts";

const route = createRoute({
  method: "post",
  path: "/v1/machines",
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

export function registerCreateMachine(app: App): void {
  app.openapi(route, async (c) => {
    const principal = requireRole(c.get("principal"), "operator");
    const body = c.req.valid("json");
    setAudit(c, { action: "machine.create", resourceType: "machine", changes: body });
    // the free inventory belongs to no cluster, so only unscoped tokens manage it
    if (principal.clusterId !== null) {
      throw new AppError("forbidden", "a cluster-scoped token cannot add machines to the free inventory");
    }
    const ctx = await c.get("scope").serviceContext(principal.actor);
    const machine = await createMachine({
      ctx,
      input: { ...body, scopeClusterId: principal.clusterId },
    });
    setAudit(c, { action: "machine.create", resourceType: "machine", resourceId: machine.id });
    return c.json(presentMachine(machine), 201);
  });
}
