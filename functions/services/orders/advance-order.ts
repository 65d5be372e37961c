/**
 * Carries out device plans (device-plans.ts) inside the caller's cluster
 * write, and settles the order when its devices allow. Used by approval, by
 * the tracker job and by maintenance completion, so every path moves
 * machines the same way:
 *  - status changes through the guarded transition batch (applyTransitions),
 *  - assignment and unassignment through the guarded placement writer
 *    (writePlacements), both touching the clusters so agents see the change;
 *  - device rows updated guarded on the status they were read in;
 *  - the order moved by transitionOrder, with its notification.
 *
 * Callers hold the order's row lock (findOrder with lock) and read the
 * devices' machines with lockedDevices, so the plans are made from rows
 * nobody can change until commit.
 */
import { and, asc, eq } from "drizzle-orm";
import type { Db } from "../../../drizzle/client.ts";
import {
  machines,
  type Order,
  type OrderDevice,
  type OrderDeviceStatus,
  orderDevices,
} from "../../../drizzle/schema/index.ts";
import { AppError } from "../../lib/errors.ts";
import type { ServiceContext } from "../context.ts";
import {
  MACHINE_ASSIGN_EVENT,
  MACHINE_UNASSIGN_EVENT,
  type PlacementChange,
  writePlacements,
} from "../machines/placement-write.ts";
import { applyTransitions } from "../machines/transition-machine.ts";
import type { TransitionInput } from "../machines/transition-types.ts";
import type { ClusterWrite } from "../unit-of-work.ts";
import { type DeviceMachine, type DevicePlan, orderOutcome } from "./device-plans.ts";
import { notifyOrder, settledNotice } from "./order-events.ts";
import { transitionOrder } from "./order-write.ts";

export interface DeviceRow {
  device: Pick<OrderDevice, "machineId" | "status" | "error">;
  machine: DeviceMachine;
}

/** The order's devices with their machines, both row-locked, in machine id order (deadlock-free). */
export async function lockedDevices(tx: Db, orderId: string): Promise<DeviceRow[]> {
  const rows = await tx
    .select({
      device: { machineId: orderDevices.machineId, status: orderDevices.status, error: orderDevices.error },
      machine: {
        id: machines.id,
        hostname: machines.hostname,
        status: machines.status,
        clusterId: machines.clusterId,
        poolId: machines.poolId,
        version: machines.version,
        nodeName: machines.nodeName,
        lastError: machines.lastError,
      },
    })
    .from(orderDevices)
    .innerJoin(machines, eq(machines.id, orderDevices.machineId))
    .where(eq(orderDevices.orderId, orderId))
    .orderBy(asc(orderDevices.machineId))
    .for("update");
  return rows;
}

export interface DeviceChange {
  machineId: string;
  hostname: string;
  from: OrderDeviceStatus;
  to: OrderDeviceStatus;
  error: string | null;
}

/** Applies each row's plan (rows without one are left alone); the device changes made. */
export async function applyPlans(
  tx: Db,
  ctx: ServiceContext,
  write: ClusterWrite,
  order: Order,
  planned: { row: DeviceRow; plan: DevicePlan }[],
): Promise<DeviceChange[]> {
  const why = `order ${order.number} (${order.action})`;
  const facts = { orderId: order.id, orderNumber: order.number };
  const transitions: TransitionInput[] = [];
  const placements: PlacementChange[] = [];
  for (const { row, plan } of planned) {
    const { machine } = row;
    const step = plan.step;
    if (step.kind === "transition") {
      transitions.push({
        machineId: machine.id,
        from: machine.status,
        to: step.to,
        expectedVersion: machine.version,
        reason: why,
        ...(step.patch ? { patch: step.patch } : {}),
        metadata: facts,
      });
    } else if (step.kind === "assign" || step.kind === "unassign") {
      placements.push({
        read: machine,
        to: step.kind === "assign" ? step.to : { clusterId: null, poolId: null },
        kind: step.kind === "assign" ? MACHINE_ASSIGN_EVENT : MACHINE_UNASSIGN_EVENT,
        reason: why,
        metadata: facts,
      });
    }
  }
  await applyTransitions(tx, ctx, transitions, { write });
  await writePlacements(tx, ctx, write, placements);

  const now = ctx.clock.now();
  const changes: DeviceChange[] = [];
  for (const { row, plan } of planned) {
    if (plan.status === row.device.status && plan.error === row.device.error) continue;
    const settled = plan.status === "done" || plan.status === "failed";
    const updated = await tx
      .update(orderDevices)
      .set({ status: plan.status, error: plan.error, finishedAt: settled ? now : null, updatedAt: now })
      .where(
        and(
          eq(orderDevices.orderId, order.id),
          eq(orderDevices.machineId, row.machine.id),
          eq(orderDevices.status, row.device.status),
        ),
      )
      .returning({ machineId: orderDevices.machineId });
    if (updated.length === 0) {
      throw new AppError("stale_version", `device ${row.machine.hostname} of order ${order.number} changed`, {
        orderId: order.id,
        machineId: row.machine.id,
      });
    }
    changes.push({
      machineId: row.machine.id,
      hostname: row.machine.hostname,
      from: row.device.status,
      to: plan.status,
      error: plan.error,
    });
  }
  return changes;
}

/**
 * Moves the order on when its devices allow (device-plans.ts `orderOutcome`),
 * with the notification of a settled order; the order as it is afterwards.
 */
export async function settleOrder(
  tx: Db,
  ctx: ServiceContext,
  order: Order,
  devices: { hostname: string; status: OrderDeviceStatus; error: string | null }[],
): Promise<Order> {
  const outcome = orderOutcome(order, devices);
  if (outcome === null || outcome.to === order.status) return order;
  const now = ctx.clock.now();
  const settles = outcome.to === "completed" || outcome.to === "failed";
  const settled = await transitionOrder(tx, {
    order,
    to: outcome.to,
    patch: { failureReason: outcome.failureReason, ...(settles ? { completedAt: now } : {}) },
    now,
  });
  const notice = settledNotice(settled.status);
  if (notice) await notifyOrder(tx, notice, settled, now);
  return settled;
}

/** The devices after the changes, as settleOrder reads them. */
export function devicesAfter(rows: DeviceRow[], changes: DeviceChange[]) {
  const changed = new Map(changes.map((c) => [c.machineId, c]));
  return rows.map(({ device, machine }) => {
    const change = changed.get(machine.id);
    return {
      hostname: machine.hostname,
      status: change?.to ?? device.status,
      error: change ? change.error : device.error,
    };
  });
}
