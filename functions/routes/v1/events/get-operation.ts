import { createRoute, z } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { UuidSchema } from "../../../http/params.ts";
import { getOperation } from "../../../services/events/get-operation.ts";
import { EventSchema } from "./schemas.ts";

const OperationIdParams = z.object({
  operationId: UuidSchema.openapi({ param: { name: "operationId", in: "path" } }),
});

const route = createRoute({
  method: "get",
  path: "/v1/operations/{operationId}",
  operationId: "getOperation",
  tags: ["events"],
  summary: "One operation or event by id (viewer; scoped tokens only their cluster's)",
  security: [{ [BEARER_SCHEME]: [] }],
  request: { params: OperationIdParams },
  responses: {
    200: { description: "The operation", content: { "application/json": { schema: EventSchema } } },
    ...errorResponses("validation_failed", "unauthorized", "forbidden", "not_found"),
  },
});

export const registerGetOperation = defineRoute({
  route,
  access: "viewer",
  run: async (c, { ctx, principal }) => {
    const { operationId } = c.req.valid("param");
    return c.json(
      await getOperation({ ctx, input: { id: operationId, scopeClusterId: principal.clusterId } }),
      200,
    );
  },
});
