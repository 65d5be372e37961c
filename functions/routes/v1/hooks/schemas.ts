/**
 * Shapes of the signed inbound hooks (/v1/hooks/…). The maintenance hook is
 * POST /v1/maintenance-requests/{ticketId}/complete for a caller without a
 * token: the ticket id moves into the body, the answer is the same.
 */
import { z } from "@hono/zod-openapi";
import { MaintenanceCompletionBody } from "../maintenance-requests/schemas.ts";
import { TicketIdSchema } from "../orders/schemas.ts";

export { MaintenanceCompletionSchema as MaintenanceCompleteHookResponse } from "../maintenance-requests/schemas.ts";

// a fresh object (not an extension, which OpenAPI would render as the parent's closed shape plus more)
export const MaintenanceCompleteHookBody = z
  .strictObject({ ticketId: TicketIdSchema, ...MaintenanceCompletionBody.shape })
  .openapi("MaintenanceCompleteHook", {
    example: { ticketId: "CHG-20431", outcome: "completed", note: "DIMM replaced" },
  });
