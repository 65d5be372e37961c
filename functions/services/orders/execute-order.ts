/**
 * Execution of an order that has just gone processing (approval, or an
 * uncordon order made and approved at once): every device gets its plan from
 * its machine as it is now (device-plans.ts `planOnApproval`), the plans are
 * carried out in the caller's cluster write, and the order settles at once
 * when nothing is left in progress (an entry order always does; an exit or
 * maintenance order with machines to drain waits for the tracker).
 */
import type { Db } from "../../../drizzle/client.ts";
import type { NodePool, Order } from "../../../drizzle/schema/index.ts";
import { isAppError } from "../../lib/errors.ts";
import type { ServiceContext } from "../context.ts";
import { findTargetPool } from "../machines/machine-lookup.ts";
import type { ClusterWrite } from "../unit-of-work.ts";
import {
  applyPlans,
  type DeviceChange,
  type DeviceRow,
  devicesAfter,
  lockedDevices,
  settleOrder,
} from "./advance-order.ts";
import { type DevicePlan, planOnApproval } from "./device-plans.ts";
import { freeMachinesFitting } from "./order-machines.ts";

export interface Execution {
  order: Order;
  changes: DeviceChange[];
}

export async function executeOrder(
  tx: Db,
  ctx: ServiceContext,
  write: ClusterWrite,
  order: Order,
): Promise<Execution> {
  // the pool before the machines, as cluster and pool deletion lock them
  const pool = order.action === "pool_entry" ? await entryPool(tx, order) : null;
  const rows = await lockedDevices(tx, order.id);
  const planned = await approvalPlans(tx, order, pool, rows);
  const changes = await applyPlans(tx, ctx, write, order, planned);
  const settled = await settleOrder(tx, ctx, order, devicesAfter(rows, changes));
  return { order: settled, changes };
}

async function approvalPlans(
  tx: Db,
  order: Order,
  pool: NodePool | null,
  rows: DeviceRow[],
): Promise<{ row: DeviceRow; plan: DevicePlan }[]> {
  let fitting = new Set<string>();
  if (order.action === "pool_entry") {
    if (!pool) {
      const plan: DevicePlan = {
        status: "failed",
        error: "the pool no longer exists",
        step: { kind: "none" },
      };
      return rows.map((row) => ({ row, plan }));
    }
    fitting = await freeMachinesFitting(
      tx,
      pool,
      rows.map((r) => r.machine.id),
    );
  }
  return rows.map((row) => ({ row, plan: planOnApproval(order, row.machine, fitting.has(row.machine.id)) }));
}

/** The entry order's pool, share-locked against deletion; null once it (or its cluster) is gone. */
async function entryPool(tx: Db, order: Order): Promise<NodePool | null> {
  if (!order.clusterId || !order.poolId) return null;
  try {
    return await findTargetPool(tx, order.clusterId, order.poolId, { lock: true });
  } catch (err) {
    if (isAppError(err) && err.code === "not_found") return null;
    throw err;
  }
}
