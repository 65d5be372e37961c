/** Shapes of the /v1/maintenance-requests routes; the order itself is the /v1/orders shape. */
import { z } from "@hono/zod-openapi";
import { MachineRefSchema } from "../../../http/params.ts";
import { MAINTENANCE_OUTCOMES } from "../../../services/orders/complete-maintenance.ts";
import { MaintenanceWindowSchema, OrderSchema, ReasonSchema, TicketIdSchema } from "../orders/schemas.ts";

export const MaintenanceRequestBody = z
  .strictObject({
    machineId: MachineRefSchema,
    ticketId: TicketIdSchema,
    reason: ReasonSchema.optional(),
    maintenanceWindow: MaintenanceWindowSchema.optional(),
  })
  .openapi("MaintenanceRequest", {
    example: {
      machineId: "node-17.rack4",
      ticketId: "CHG-20431",
      reason: "replace DIMM B2",
      maintenanceWindow: { start: "2030-05-04T22:00:00Z", end: "2030-05-05T02:00:00Z" },
    },
  });

export const TicketIdParams = z.object({
  ticketId: TicketIdSchema.openapi({ param: { name: "ticketId", in: "path" }, example: "CHG-20431" }),
});

export const MaintenanceCompletionBody = z
  .strictObject({
    outcome: z.enum(MAINTENANCE_OUTCOMES).optional().openapi({
      description: "completed (default): the machines return to service; failed: they stay in maintenance",
    }),
    note: ReasonSchema.optional(),
  })
  .openapi("MaintenanceCompletion", { example: { outcome: "completed", note: "DIMM replaced" } });

export const MaintenanceCompletionSchema = z
  .object({
    order: OrderSchema,
    uncordonOrder: OrderSchema.nullable().openapi({
      description: "the order that returned machines with a Node to service; null when there were none",
    }),
  })
  .openapi("MaintenanceCompletionResult");
