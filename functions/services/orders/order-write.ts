/**
 * The two writes every order path shares: inserting an order with its
 * devices, and moving an order from one status to another as a guarded
 * UPDATE (status and version both as read). Both run inside the caller's
 * transaction, so the order, its devices, the evaluation row and the audit
 * row commit together or not at all.
 */
import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../../../drizzle/client.ts";
import {
  type NewOrder,
  type Order,
  type OrderDevice,
  type OrderStatus,
  orderDevices,
  orders,
} from "../../../drizzle/schema/index.ts";
import { AppError } from "../../lib/errors.ts";
import { assertOrderTransition } from "./order-states.ts";

export type OrderFields = Omit<NewOrder, "id" | "number" | "status" | "version" | "createdAt" | "updatedAt">;

export async function insertOrder(
  tx: Db,
  input: { order: OrderFields; machineIds: readonly string[]; now: Date },
): Promise<{ order: Order; devices: OrderDevice[] }> {
  const [order] = await tx
    .insert(orders)
    .values({ ...input.order, createdAt: input.now, updatedAt: input.now })
    .returning();
  const devices =
    input.machineIds.length === 0
      ? []
      : await tx
          .insert(orderDevices)
          .values(
            input.machineIds.map((machineId) => ({ orderId: order!.id, machineId, updatedAt: input.now })),
          )
          .returning();
  return { order: order!, devices };
}

export interface OrderTransition {
  /** the order as read: its status and version guard the update */
  order: Pick<Order, "id" | "action" | "status" | "version">;
  to: OrderStatus;
  patch?: Partial<
    Pick<
      Order,
      | "executedBy"
      | "executedAt"
      | "completedAt"
      | "failureReason"
      | "maintenanceWindowStart"
      | "maintenanceWindowEnd"
    >
  >;
  now: Date;
}

/** 409 illegal_transition for a move the lifecycle does not allow, 409 stale_version when someone moved it first. */
export async function transitionOrder(tx: Db, input: OrderTransition): Promise<Order> {
  const { order, to } = input;
  assertOrderTransition(order.action, order.status, to);
  const [updated] = await tx
    .update(orders)
    .set({ ...input.patch, status: to, version: sql`${orders.version} + 1`, updatedAt: input.now })
    .where(and(eq(orders.id, order.id), eq(orders.status, order.status), eq(orders.version, order.version)))
    .returning();
  if (!updated) {
    throw new AppError("stale_version", `order ${order.id} changed since it was read; read it again`, {
      orderId: order.id,
      expectedStatus: order.status,
      expectedVersion: order.version,
    });
  }
  return updated;
}
