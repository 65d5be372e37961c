import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { errorResponses } from "../../../http/openapi.ts";
import { completeMaintenance } from "../../../services/orders/complete-maintenance.ts";
import { presentOrder } from "../orders/schemas.ts";
import { MaintenanceCompleteHookBody, MaintenanceCompleteHookResponse } from "./schemas.ts";
import { requireSignature, SIGNATURE_HEADER } from "./signature.ts";

export const MAINTENANCE_COMPLETE_HOOK_PATH = "/v1/hooks/maintenance-complete";
export const MAINTENANCE_HOOK_ACTOR = "hook:maintenance";

const route = createRoute({
  method: "post",
  path: MAINTENANCE_COMPLETE_HOOK_PATH,
  operationId: "maintenanceCompleteHook",
  tags: ["hooks"],
  summary: "An external system reports a maintenance ticket done (signed hook)",
  description:
    `Open path: authenticated by the \`${SIGNATURE_HEADER}\` header instead of a bearer token, an HS256 ` +
    "JWT over this URL and the SHA-256 of the exact body, as QStash signs deliveries, made with this " +
    "install's signing key (QSTASH_CURRENT_SIGNING_KEY, or the generated one). It is checked before " +
    "the body is read as JSON; a missing or wrong signature answers 401 and changes nothing. Then as " +
    "POST /v1/maintenance-requests/{ticketId}/complete: a repeat of the same report answers the same.",
  security: [],
  middleware: [requireSignature()] as const,
  request: {
    body: { required: true, content: { "application/json": { schema: MaintenanceCompleteHookBody } } },
  },
  responses: {
    200: {
      description: "The maintenance order, settled, and the uncordon order returning its machines",
      content: { "application/json": { schema: MaintenanceCompleteHookResponse } },
    },
    ...errorResponses("validation_failed", "unauthorized", "not_found", "illegal_transition", "rate_limited"),
  },
});

export const registerMaintenanceCompleteHook = defineRoute({
  route,
  access: "open",
  actor: MAINTENANCE_HOOK_ACTOR,
  audit: { action: "maintenance_request.complete", resourceType: "order" },
  run: async (c, { ctx }) => {
    const { ticketId, outcome, note } = c.req.valid("json");
    const result = await completeMaintenance({ ctx, input: { ticketId, outcome, note } });
    return c.json(
      {
        order: presentOrder(result.order),
        uncordonOrder: result.uncordonOrder ? presentOrder(result.uncordonOrder) : null,
      },
      200,
    );
  },
});
