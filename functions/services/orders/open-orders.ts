/**
 * A machine is in at most one open order (pending, processing or
 * maintenance_in_progress) at a time: two orders moving the same machine
 * would fight over it. Callers lock the machines' rows first (FOR UPDATE), so
 * two concurrent creations naming the same machine are serialised and the
 * second sees the first's devices once it commits.
 */
import { and, asc, eq, inArray } from "drizzle-orm";
import type { Db } from "../../../drizzle/client.ts";
import { machines, orderDevices, orders } from "../../../drizzle/schema/index.ts";
import { AppError } from "../../lib/errors.ts";
import { OPEN_ORDER_STATUSES } from "./order-states.ts";

export interface OpenOrderClaim {
  machineId: string;
  hostname: string;
  orderId: string;
  orderNumber: string;
}

/** The open orders already holding any of these machines (one row per machine and order). */
export async function openOrderClaims(tx: Db, machineIds: readonly string[]): Promise<OpenOrderClaim[]> {
  if (machineIds.length === 0) return [];
  return tx
    .select({
      machineId: orderDevices.machineId,
      hostname: machines.hostname,
      orderId: orders.id,
      orderNumber: orders.number,
    })
    .from(orderDevices)
    .innerJoin(orders, eq(orders.id, orderDevices.orderId))
    .innerJoin(machines, eq(machines.id, orderDevices.machineId))
    .where(
      and(inArray(orderDevices.machineId, [...machineIds]), inArray(orders.status, [...OPEN_ORDER_STATUSES])),
    )
    .orderBy(asc(machines.hostname));
}

/** 409 naming the first machine already in an open order (and that order). */
export async function assertNotInOpenOrder(tx: Db, machineIds: readonly string[]): Promise<void> {
  const [claim] = await openOrderClaims(tx, machineIds);
  if (!claim) return;
  throw new AppError(
    "conflict",
    `machine ${claim.hostname} is already in open order ${claim.orderNumber}; a machine is in one open order at a time`,
    {
      machineId: claim.machineId,
      hostname: claim.hostname,
      orderId: claim.orderId,
      orderNumber: claim.orderNumber,
    },
  );
}
