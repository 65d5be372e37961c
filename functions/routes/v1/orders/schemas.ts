/**
 * Order shapes shared by the /v1/orders and /v1/maintenance-requests routes.
 * The shapes are checked here (enums, types, bounds); what the machines must
 * be for the action is the services' to check (409 naming the machine).
 */
import { z } from "@hono/zod-openapi";
import { ORDER_ACTIONS, ORDER_DEVICE_STATUSES, ORDER_STATUSES } from "../../../../drizzle/schema/index.ts";
import { PageQuerySchema } from "../../../http/pagination.ts";
import { ClusterRefSchema, MachineRefSchema, PoolRefSchema, UuidSchema } from "../../../http/params.ts";
import { AppError } from "../../../lib/errors.ts";
import { MAX_ORDER_MACHINES, ORDER_REASON_MAX, TICKET_ID_MAX } from "../../../services/orders/order-input.ts";
import { MANUAL_ORDER_ACTIONS } from "../../../services/orders/order-machines.ts";
import type { OrderView } from "../../../services/orders/order-view.ts";

const NO_CONTROL_CHARS = /^[^\p{Cc}]*$/u;

/** Free text for people; line breaks and tabs are fine, other control characters are not. */
export const ReasonSchema = z
  .string()
  .trim()
  .min(1)
  .max(ORDER_REASON_MAX)
  .refine((text) => NO_CONTROL_CHARS.test(text.replace(/[\t\n\r]/g, " ")), {
    message: "must not contain control characters other than line breaks and tabs",
  });

export const TicketIdSchema = z
  .string()
  .trim()
  .min(1)
  .max(TICKET_ID_MAX)
  .regex(NO_CONTROL_CHARS, { message: "must not contain control characters" })
  .openapi({ description: "the external system's ticket id", example: "CHG-20431" });

export const MaintenanceWindowSchema = z
  .strictObject({
    start: z.iso.datetime({ offset: true }).openapi({ example: "2030-05-04T22:00:00Z" }),
    end: z.iso.datetime({ offset: true }).openapi({ example: "2030-05-05T02:00:00Z" }),
  })
  .openapi("MaintenanceWindow", { description: "when the work is planned; end after start" });

export const OrderDeviceSchema = z
  .object({
    machineId: z.uuid(),
    hostname: z.string(),
    status: z.enum(ORDER_DEVICE_STATUSES),
    error: z.string().nullable(),
  })
  .openapi("OrderDevice");

export const OrderSchema = z
  .object({
    id: z.uuid(),
    number: z.string().openapi({ example: "ORD-000042" }),
    clusterId: z.uuid().nullable(),
    poolId: z.uuid().nullable(),
    strategyId: z.uuid().nullable().openapi({ description: "null: a manual order or an external request" }),
    action: z.enum(ORDER_ACTIONS),
    status: z.enum(ORDER_STATUSES),
    reason: z.string().nullable(),
    createdBy: z.string(),
    executedBy: z.string().nullable().openapi({ description: "who approved, ignored or cancelled it" }),
    executedAt: z.string().nullable(),
    completedAt: z.string().nullable(),
    failureReason: z.string().nullable(),
    triggerValue: z.number().nullable(),
    threshold: z.number().nullable(),
    maintenanceWindow: z.object({ start: z.string().nullable(), end: z.string().nullable() }).nullable(),
    externalTicketId: z.string().nullable(),
    parentOrderId: z.uuid().nullable().openapi({ description: "an uncordon order's maintenance order" }),
    version: z.number().int().openapi({ description: "bumped by every change; pass as expectedVersion" }),
    createdAt: z.string(),
    updatedAt: z.string(),
    devices: z.array(OrderDeviceSchema),
  })
  .openapi("Order");

export type OrderResponse = z.infer<typeof OrderSchema>;

export function presentOrder(view: OrderView): OrderResponse {
  return view;
}

export const OrderIdParams = z.object({
  orderId: UuidSchema.openapi({
    param: { name: "orderId", in: "path" },
    example: "4a0d6c2e-93b1-4c55-8f3e-2d9b7c1a6e10",
  }),
});

export const CreateOrderBody = z
  .strictObject({
    action: z.enum(MANUAL_ORDER_ACTIONS).openapi({
      description: "pool_entry and pool_exit name their pool; maintenance takes any machines of one cluster",
    }),
    clusterId: ClusterRefSchema.optional(),
    poolId: PoolRefSchema.optional(),
    machineIds: z
      .array(MachineRefSchema)
      .min(1)
      .max(MAX_ORDER_MACHINES)
      .openapi({ description: "machine ids or hostnames" }),
    reason: ReasonSchema.optional(),
    maintenanceWindow: MaintenanceWindowSchema.optional(),
    externalTicketId: TicketIdSchema.optional(),
  })
  .openapi("CreateOrderRequest", {
    example: {
      action: "pool_exit",
      clusterId: "prod-eu-1",
      poolId: "gpu-a100",
      machineIds: ["node-17.rack4"],
      reason: "idle for a week",
    },
  });

export const OrderDecisionBody = z
  .strictObject({
    expectedVersion: z.int().min(0).max(2_147_483_647).optional().openapi({
      description: "refuse with 409 stale_version unless the order is still at this version",
    }),
    reason: ReasonSchema.optional(),
  })
  .openapi("OrderDecision", { example: { expectedVersion: 0, reason: "capacity is needed elsewhere" } });

const StatusParam = z
  .string()
  .max(200)
  .regex(NO_CONTROL_CHARS, { message: "must not contain control characters" })
  .openapi({ description: `one status or a comma list (${ORDER_STATUSES.join(", ")}); repeat for more` });

export const ListOrdersQuery = PageQuerySchema.extend({
  status: z.union([StatusParam, z.array(StatusParam).max(ORDER_STATUSES.length)]).optional(),
  action: z.enum(ORDER_ACTIONS).optional(),
  clusterId: ClusterRefSchema.optional(),
  poolId: PoolRefSchema.optional(),
  strategyId: UuidSchema.optional(),
});

type Status = (typeof ORDER_STATUSES)[number];

/** `?status=a,b&status=c` → [a, b, c]; an unknown status is a 400 naming it. */
export function orderStatusesOf(raw: string | string[] | undefined): Status[] | undefined {
  if (raw === undefined) return undefined;
  const names = (Array.isArray(raw) ? raw : [raw])
    .flatMap((part) => part.split(","))
    .map((name) => name.trim())
    .filter((name) => name !== "");
  const unknown = names.filter((name) => !(ORDER_STATUSES as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new AppError("validation_failed", `status: unknown status ${unknown.join(", ")}`, {
      path: "status",
      unknown,
      allowed: ORDER_STATUSES,
    });
  }
  return [...new Set(names as Status[])];
}
