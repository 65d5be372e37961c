/**
 * What the API shows of an order (its devices with their hostnames), and the
 * reads every order service shares.
 *
 * Visibility: an unscoped caller sees every order; a cluster-scoped caller
 * sees only its cluster's. Orders without a cluster (maintenance of a machine
 * in the free inventory) are therefore unscoped-only. Anything else is "not
 * found", so ids of other clusters' orders cannot be probed.
 */
import { asc, eq, inArray } from "drizzle-orm";
import type { Db } from "../../../drizzle/client.ts";
import {
  machines,
  type Order,
  type OrderAction,
  type OrderDeviceStatus,
  type OrderStatus,
  orderDevices,
  orders,
} from "../../../drizzle/schema/index.ts";
import { AppError } from "../../lib/errors.ts";
import { isUuid } from "../machines/ids.ts";

/** null: every cluster (and orders with none) */
export type OrderScope = string | null;

export interface OrderDeviceView {
  machineId: string;
  hostname: string;
  status: OrderDeviceStatus;
  error: string | null;
}

export interface OrderView {
  id: string;
  number: string;
  clusterId: string | null;
  poolId: string | null;
  strategyId: string | null;
  action: OrderAction;
  status: OrderStatus;
  reason: string | null;
  createdBy: string;
  executedBy: string | null;
  executedAt: string | null;
  completedAt: string | null;
  failureReason: string | null;
  triggerValue: number | null;
  threshold: number | null;
  maintenanceWindow: { start: string | null; end: string | null } | null;
  externalTicketId: string | null;
  parentOrderId: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
  devices: OrderDeviceView[];
}

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

export function toOrderView(order: Order, devices: OrderDeviceView[]): OrderView {
  const { maintenanceWindowStart: start, maintenanceWindowEnd: end } = order;
  return {
    id: order.id,
    number: order.number,
    clusterId: order.clusterId,
    poolId: order.poolId,
    strategyId: order.strategyId,
    action: order.action,
    status: order.status,
    reason: order.reason,
    createdBy: order.createdBy,
    executedBy: order.executedBy,
    executedAt: iso(order.executedAt),
    completedAt: iso(order.completedAt),
    failureReason: order.failureReason,
    triggerValue: order.triggerValue,
    threshold: order.threshold,
    maintenanceWindow: start === null && end === null ? null : { start: iso(start), end: iso(end) },
    externalTicketId: order.externalTicketId,
    parentOrderId: order.parentOrderId,
    version: order.version,
    createdAt: order.createdAt.toISOString(),
    updatedAt: order.updatedAt.toISOString(),
    devices,
  };
}

/** The views of several orders, their devices read in one query (a list page costs two). */
export async function orderViews(db: Db, rows: readonly Order[]): Promise<OrderView[]> {
  if (rows.length === 0) return [];
  const devices = await db
    .select({
      orderId: orderDevices.orderId,
      machineId: orderDevices.machineId,
      hostname: machines.hostname,
      status: orderDevices.status,
      error: orderDevices.error,
    })
    .from(orderDevices)
    .innerJoin(machines, eq(machines.id, orderDevices.machineId))
    .where(
      inArray(
        orderDevices.orderId,
        rows.map((r) => r.id),
      ),
    )
    .orderBy(asc(machines.hostname), asc(orderDevices.machineId));
  const byOrder = new Map<string, OrderDeviceView[]>(rows.map((r) => [r.id, []]));
  for (const { orderId, ...device } of devices) byOrder.get(orderId)?.push(device);
  return rows.map((r) => toOrderView(r, byOrder.get(r.id) ?? []));
}

export async function orderView(db: Db, row: Order): Promise<OrderView> {
  const [view] = await orderViews(db, [row]);
  return view!;
}

export function orderNotFound(orderId: string): AppError {
  return new AppError("not_found", `order ${orderId} not found`, { orderId });
}

export function isOrderVisible(order: Pick<Order, "clusterId">, scope: OrderScope): boolean {
  return scope === null || order.clusterId === scope;
}

/** The order, if the caller may see it; `lock` holds its row for the rest of the transaction. */
export async function findOrder(
  db: Db,
  orderId: string,
  scope: OrderScope,
  options: { lock?: boolean } = {},
): Promise<Order> {
  if (!isUuid(orderId)) throw orderNotFound(orderId);
  const query = db.select().from(orders).where(eq(orders.id, orderId));
  const [row] = options.lock ? await query.for("update") : await query;
  if (!row || !isOrderVisible(row, scope)) throw orderNotFound(orderId);
  return row;
}
