import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { requestMaintenance } from "../../../services/orders/request-maintenance.ts";
import { OrderSchema, presentOrder } from "../orders/schemas.ts";
import { MaintenanceRequestBody } from "./schemas.ts";

const route = createRoute({
  method: "post",
  path: "/v1/maintenance-requests",
  operationId: "createMaintenanceRequest",
  tags: ["maintenance-requests"],
  summary: "Ask for a machine to be taken out for maintenance (operator)",
  description:
    "Creates a pending maintenance order for a person to approve; on approval the agent cordons and " +
    "drains the machine. Idempotent by ticketId: the same ticket for the same machine answers 200 with " +
    "the order made the first time; the same ticket for another machine is a 409. A machine in another " +
    "open order is a 409 naming it.",
  security: [{ [BEARER_SCHEME]: [] }],
  request: { body: { required: true, content: { "application/json": { schema: MaintenanceRequestBody } } } },
  responses: {
    201: {
      description: "The new maintenance order",
      content: { "application/json": { schema: OrderSchema } },
    },
    200: {
      description: "The ticket's order, made by an earlier request",
      content: { "application/json": { schema: OrderSchema } },
    },
    ...errorResponses(
      "validation_failed",
      "bad_request",
      "unauthorized",
      "forbidden",
      "not_found",
      "conflict",
    ),
  },
});

export const registerCreateMaintenanceRequest = defineRoute({
  route,
  access: "operator",
  audit: { action: "maintenance_request.create", resourceType: "order" },
  run: async (c, { ctx, principal }) => {
    const body = c.req.valid("json");
    const { order, created } = await requestMaintenance({
      ctx,
      input: { ...body, scopeClusterId: principal.clusterId },
    });
    return created ? c.json(presentOrder(order), 201) : c.json(presentOrder(order), 200);
  },
});
