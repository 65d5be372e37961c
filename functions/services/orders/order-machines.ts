/**
 * The machines an order is created for, checked against its action before
 * the order exists (create-order.ts, request-maintenance.ts):
 *  - pool_entry: free (no cluster), available, and one the pool may take
 *    (candidates.ts `assignableTo`: hardware requirements, SSH identity scope);
 *  - pool_exit: in that pool, not archived;
 *  - maintenance: any machine that is not archived.
 * Refusals are 409s naming the machine. Rows are read FOR UPDATE, so the
 * "one open order per machine" check that follows cannot race another creation.
 */
import { and, asc, inArray, isNull } from "drizzle-orm";
import type { Db } from "../../../drizzle/client.ts";
import { type Machine, machines, type NodePool, type OrderAction } from "../../../drizzle/schema/index.ts";
import { AppError } from "../../lib/errors.ts";
import { assignableTo } from "../machines/candidates.ts";
import { isVisible, machineNotFound } from "../machines/machine-lookup.ts";
import type { OrderScope } from "./order-view.ts";

/** Every named machine, row-locked in id order; one the caller may not see is not found. */
export async function lockMachines(tx: Db, ids: readonly string[], scope: OrderScope): Promise<Machine[]> {
  const rows = await tx
    .select()
    .from(machines)
    .where(inArray(machines.id, [...ids]))
    .orderBy(asc(machines.id))
    .for("update");
  const byId = new Map(rows.map((m) => [m.id, m]));
  for (const id of ids) {
    const row = byId.get(id);
    if (!row || !isVisible(row, scope)) throw machineNotFound(id);
  }
  return ids.map((id) => byId.get(id)!);
}

/** The ids among `ids` that are free and that the pool may take, as allocation would judge them. */
export async function freeMachinesFitting(
  tx: Db,
  pool: Pick<NodePool, "id" | "clusterId" | "hardwareRequirements">,
  ids: readonly string[],
): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await tx
    .select({ id: machines.id })
    .from(machines)
    .where(and(inArray(machines.id, [...ids]), isNull(machines.clusterId), assignableTo(pool)));
  return new Set(rows.map((r) => r.id));
}

function refuse(machine: Machine, why: string, details: Record<string, unknown> = {}): AppError {
  return new AppError("conflict", `machine ${machine.hostname} ${why}`, {
    machineId: machine.id,
    hostname: machine.hostname,
    status: machine.status,
    ...details,
  });
}

export async function assertEntryMachines(tx: Db, pool: NodePool, rows: Machine[]): Promise<void> {
  const fitting = await freeMachinesFitting(
    tx,
    pool,
    rows.map((m) => m.id),
  );
  for (const m of rows) {
    if (m.clusterId !== null) throw refuse(m, "is not free: it is assigned to a cluster");
    if (m.status !== "available") throw refuse(m, `is not available (${m.status})`);
    if (!fitting.has(m.id)) {
      throw refuse(
        m,
        `does not fit pool ${pool.name} (hardware requirements or an SSH identity scoped to another cluster)`,
        { poolId: pool.id },
      );
    }
  }
}

export function assertExitMachines(poolId: string, rows: Machine[]): void {
  for (const m of rows) {
    if (m.poolId !== poolId) throw refuse(m, "is not in the pool", { poolId });
    if (m.status === "archived") throw refuse(m, "is archived");
  }
}

export interface MaintenancePlace {
  clusterId: string | null;
  poolId: string | null;
}

/**
 * Maintenance of any non-archived machines, all of one cluster (or all free):
 * the order is that cluster's, and its pool's when they share one.
 */
export function maintenancePlace(rows: Machine[]): MaintenancePlace {
  for (const m of rows) if (m.status === "archived") throw refuse(m, "is archived");
  const clusters = new Set(rows.map((m) => m.clusterId));
  if (clusters.size > 1) {
    throw new AppError(
      "validation_failed",
      "machineIds: a maintenance order takes machines of one cluster (or of the free inventory) only",
      { path: "machineIds" },
    );
  }
  const pools = new Set(rows.map((m) => m.poolId));
  return {
    clusterId: rows[0]?.clusterId ?? null,
    poolId: pools.size === 1 ? (rows[0]?.poolId ?? null) : null,
  };
}

/** The actions a person may create an order for; uncordon orders come from completed maintenance. */
export const MANUAL_ORDER_ACTIONS = [
  "pool_entry",
  "pool_exit",
  "maintenance",
] as const satisfies readonly OrderAction[];
export type ManualOrderAction = (typeof MANUAL_ORDER_ACTIONS)[number];
