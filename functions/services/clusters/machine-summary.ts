/**
 * Machine counts and capacity per cluster, for a whole page of clusters in
 * one grouped query (never one query per cluster).
 */
import { inArray, sql } from "drizzle-orm";
import type { Db } from "../../../drizzle/client.ts";
import { machines } from "../../../drizzle/schema/machines.ts";
import { MACHINE_STATES, type MachineState } from "../../../proto/machine-states.ts";

export interface CapacityTotals {
  machines: number;
  cpuCores: number;
  memoryBytes: number;
}

export interface MachineSummary {
  nodeCounts: { total: number; byStatus: Record<MachineState, number> };
  capacity: {
    /** machines in the `ready` state: what the cluster can schedule on now */
    ready: CapacityTotals;
    /** every machine assigned to the cluster, whatever its state */
    assigned: CapacityTotals;
  };
}

export function emptySummary(): MachineSummary {
  const byStatus = Object.fromEntries(MACHINE_STATES.map((s) => [s, 0])) as Record<MachineState, number>;
  return {
    nodeCounts: { total: 0, byStatus },
    capacity: {
      ready: { machines: 0, cpuCores: 0, memoryBytes: 0 },
      assigned: { machines: 0, cpuCores: 0, memoryBytes: 0 },
    },
  };
}

function add(totals: CapacityTotals, machineCount: number, cpuCores: number, memoryBytes: number): void {
  totals.machines += machineCount;
  totals.cpuCores += cpuCores;
  totals.memoryBytes += memoryBytes;
}

export async function machineSummaries(
  db: Db,
  clusterIds: readonly string[],
): Promise<Map<string, MachineSummary>> {
  const summaries = new Map<string, MachineSummary>(clusterIds.map((id) => [id, emptySummary()]));
  if (clusterIds.length === 0) return summaries;
  const rows = await db
    .select({
      clusterId: machines.clusterId,
      status: machines.status,
      // sums of bigint are numeric, which drivers return as strings
      machineCount: sql<number>`count(*)`.mapWith(Number),
      cpuCores: sql<number>`coalesce(sum(${machines.cpuCores}), 0)`.mapWith(Number),
      memoryBytes: sql<number>`coalesce(sum(${machines.memoryBytes}), 0)`.mapWith(Number),
    })
    .from(machines)
    .where(inArray(machines.clusterId, [...clusterIds]))
    .groupBy(machines.clusterId, machines.status);

  for (const row of rows) {
    const summary = row.clusterId ? summaries.get(row.clusterId) : undefined;
    if (!summary) continue;
    summary.nodeCounts.byStatus[row.status] = row.machineCount;
    summary.nodeCounts.total += row.machineCount;
    add(summary.capacity.assigned, row.machineCount, row.cpuCores, row.memoryBytes);
    if (row.status === "ready") add(summary.capacity.ready, row.machineCount, row.cpuCores, row.memoryBytes);
  }
  return summaries;
}
