import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { completeMaintenance } from "../../../services/orders/complete-maintenance.ts";
import { presentOrder } from "../orders/schemas.ts";
import { MaintenanceCompletionBody, MaintenanceCompletionSchema, TicketIdParams } from "./schemas.ts";

const route = createRoute({
  method: "post",
  path: "/v1/maintenance-requests/{ticketId}/complete",
  operationId: "completeMaintenanceRequest",
  tags: ["maintenance-requests"],
  summary: "Report a ticket's maintenance over (operator)",
  description:
    "The maintenance order (in maintenance_in_progress) completes: machines that kept their Node return " +
    "to service through an uncordon order, the others become available. outcome failed fails the order " +
    "and leaves the machines in maintenance. Repeating the same report answers the same result; an order " +
    "not in maintenance yet is a 409 illegal_transition.",
  security: [{ [BEARER_SCHEME]: [] }],
  request: {
    params: TicketIdParams,
    body: { required: false, content: { "application/json": { schema: MaintenanceCompletionBody } } },
  },
  responses: {
    200: {
      description: "The maintenance order and its uncordon order",
      content: { "application/json": { schema: MaintenanceCompletionSchema } },
    },
    ...errorResponses(
      "validation_failed",
      "bad_request",
      "unauthorized",
      "forbidden",
      "not_found",
      "conflict",
      "illegal_transition",
      "stale_version",
    ),
  },
});

export const registerCompleteMaintenanceRequest = defineRoute({
  route,
  access: "operator",
  audit: { action: "maintenance_request.complete", resourceType: "order" },
  run: async (c, { ctx, principal }) => {
    const { ticketId } = c.req.valid("param");
    const body = c.req.valid("json") ?? {};
    const result = await completeMaintenance({
      ctx,
      input: { ticketId, ...body, scopeClusterId: principal.clusterId },
    });
    return c.json(
      {
        order: presentOrder(result.order),
        uncordonOrder: result.uncordonOrder === null ? null : presentOrder(result.uncordonOrder),
      },
      200,
    );
  },
});
