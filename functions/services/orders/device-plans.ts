/**
 * What happens to each machine of an order, decided from the machine as it
 * is now (pure: no I/O, so the rules can be read, and tested, in one place).
 *
 * On approval (planOnApproval):
 *  - pool_entry: a free, available machine that fits the pool is assigned to
 *    it (done); anything else fails with the reason;
 *  - pool_exit: an available machine of the pool is unassigned at once
 *    (done); a ready one goes ready → draining (in progress: the agent drains
 *    and resets it, then the tracker unassigns it); one already draining or
 *    leaving is on its way out (in progress);
 *  - maintenance: a ready machine goes ready → draining with the drain intent
 *    "maintenance" (in progress: the agent cordons, drains and reports
 *    draining → maintenance, keeping the Node); an available or faulty one
 *    goes straight to maintenance (done);
 *  - uncordon: a machine in maintenance that kept its Node goes back to
 *    ready (done): the agent uncordons the Node.
 *
 * While the order is processing (planProgress, the tracker), an in-progress
 * device settles from where its machine got to.
 */
import type { Machine, Order, OrderDeviceStatus, OrderStatus } from "../../../drizzle/schema/index.ts";
import type { MachineState } from "../../../proto/machine-states.ts";
import type { Placement } from "../machines/placement-write.ts";
import type { MachinePatch } from "../machines/transition-types.ts";

export type DeviceMachine = Pick<
  Machine,
  "id" | "hostname" | "status" | "clusterId" | "poolId" | "version" | "nodeName" | "lastError"
>;

export type DeviceStep =
  | { kind: "none" }
  | { kind: "transition"; to: MachineState; patch?: MachinePatch }
  | { kind: "assign"; to: Placement }
  | { kind: "unassign" };

export interface DevicePlan {
  status: OrderDeviceStatus;
  error: string | null;
  step: DeviceStep;
}

type PlannedOrder = Pick<Order, "action" | "clusterId" | "poolId">;

const NONE: DeviceStep = { kind: "none" };
const done = (step: DeviceStep = NONE): DevicePlan => ({ status: "done", error: null, step });
const inProgress = (step: DeviceStep = NONE): DevicePlan => ({ status: "in_progress", error: null, step });
const failed = (error: string): DevicePlan => ({ status: "failed", error, step: NONE });

/**
 * `fitsPool`: for pool_entry, whether the machine is one the pool may take
 * (candidates.ts `assignableTo`, checked in SQL by the caller).
 */
export function planOnApproval(order: PlannedOrder, machine: DeviceMachine, fitsPool: boolean): DevicePlan {
  switch (order.action) {
    case "pool_entry":
      if (machine.clusterId !== null) return failed(`no longer free: assigned to a cluster`);
      if (machine.status !== "available") return failed(`not available: ${machine.status}`);
      if (!fitsPool) return failed("does not fit the pool (hardware requirements or SSH identity scope)");
      return done({ kind: "assign", to: { clusterId: order.clusterId, poolId: order.poolId } });
    case "pool_exit":
      if (machine.poolId !== order.poolId) return failed("no longer in the pool");
      if (machine.status === "available") return done({ kind: "unassign" });
      if (machine.status === "ready") return inProgress({ kind: "transition", to: "draining" });
      if (machine.status === "draining" || machine.status === "leaving") return inProgress();
      return failed(`cannot leave the pool while ${machine.status}`);
    case "maintenance":
      if (machine.status === "ready") {
        return inProgress({ kind: "transition", to: "draining", patch: { drainIntent: "maintenance" } });
      }
      if (machine.status === "available" || machine.status === "fault") {
        return done({ kind: "transition", to: "maintenance" });
      }
      if (machine.status === "maintenance") return done();
      return failed(`cannot be taken out for maintenance while ${machine.status}`);
    case "uncordon":
      if (machine.status !== "maintenance") return failed(`not in maintenance: ${machine.status}`);
      if (machine.nodeName === null) return failed("has no Node to uncordon");
      return done({ kind: "transition", to: "ready" });
  }
}

/** An in-progress device of a processing order, from where its machine got to. */
export function planProgress(order: PlannedOrder, machine: DeviceMachine): DevicePlan {
  const fault = () => failed(`fault${machine.lastError ? `: ${machine.lastError.slice(0, 200)}` : ""}`);
  if (order.action === "pool_exit") {
    switch (machine.status) {
      case "draining":
      case "leaving":
        return inProgress();
      case "available":
        if (machine.poolId === order.poolId) return done({ kind: "unassign" });
        // the agent released it to the free inventory it was reserved from
        if (machine.clusterId === null) return done();
        return failed("moved to another pool before it could be unassigned");
      case "fault":
        return fault();
      default:
        return failed(`${machine.status} instead of leaving the pool (drain aborted?)`);
    }
  }
  if (order.action === "maintenance") {
    if (machine.status === "maintenance") return done();
    if (machine.status === "draining") return inProgress();
    if (machine.status === "fault") return fault();
    return failed(`${machine.status} instead of maintenance (drain aborted?)`);
  }
  // entry and uncordon devices settle at approval; nothing to follow
  return inProgress();
}

export interface OrderOutcome {
  to: OrderStatus;
  failureReason: string | null;
}

export interface SettledDevice {
  hostname: string;
  status: OrderDeviceStatus;
  error: string | null;
}

const MAX_REASON_CHARS = 1000;

/**
 * Once no device is pending or in progress: an order whose devices all
 * succeeded completes, otherwise it fails naming the machines that did not.
 * A maintenance order instead goes maintenance_in_progress as soon as one of
 * its machines is in maintenance (those wait for the external system's
 * completion; the failed ones keep their error on the device); it fails only
 * when none got there. null: still under way.
 */
export function orderOutcome(order: Pick<Order, "action">, devices: SettledDevice[]): OrderOutcome | null {
  if (devices.some((d) => d.status === "pending" || d.status === "in_progress")) return null;
  const failures = devices.filter((d) => d.status === "failed");
  const failureReason =
    failures.length === 0
      ? null
      : `failed: ${failures.map((d) => `${d.hostname} (${d.error ?? "unknown"})`).join(", ")}`.slice(
          0,
          MAX_REASON_CHARS,
        );
  if (order.action === "maintenance") {
    const anyDone = devices.some((d) => d.status === "done");
    return anyDone ? { to: "maintenance_in_progress", failureReason: null } : { to: "failed", failureReason };
  }
  return failures.length === 0 ? { to: "completed", failureReason: null } : { to: "failed", failureReason };
}
