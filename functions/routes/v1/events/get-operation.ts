import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../../../http/hono-env.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { UuidSchema } from "../../../http/params.ts";
import { clusterScopeOf, requireRole } from "../../../services/auth/principal.ts";
import { getOperation } from "../../../services/events/get-operation.ts";
import { EventSchema } from "./schemas.ts";

const OperationIdParams = z.object({
  operationId: UuidSchema.openapi({ param: { name: "operationId", in: "path" } }),
});

const route = createRoute({
  method: "get",
  path: "/v1/operations/{operationId}",
  tags: ["events"],
  summary: "One operation or event by id (viewer; scoped tokens only their cluster's)",
  security: [{ [BEARER_SCHEME]: [] }],
  request: { params: OperationIdParams },
  responses: {
    200: { description: "The operation", content: { "application/json": { schema: EventSchema } } },
    ...errorResponses("validation_failed", "unauthorized", "forbidden", "not_found"),
  },
});

export function registerGetOperation(app: App): void {
  app.openapi(route, async (c) => {
    const principal = requireRole(c.get("principal"), "viewer");
    const { operationId } = c.req.valid("param");
    const ctx = await c.get("scope").serviceContext(principal.actor);
    const view = await getOperation({
      ctx,
      input: { id: operationId, scopeClusterId: clusterScopeOf(principal) },
    });
    return c.json(view, 200);
  });
}
