/**
 * Which available machines a pool may take, and in what order. Used inside
 * the reservation transaction; rows come back locked (FOR UPDATE SKIP LOCKED),
 * so concurrent reservations never see the same machine.
 */
import { and, arrayContains, asc, desc, eq, gte, inArray, isNull, or, type SQL, sql } from "drizzle-orm";
import type { Db } from "../../../drizzle/client.ts";
import { type Machine, machines, type NodePool, type ScaleUpPolicy } from "../../../drizzle/schema/index.ts";

/**
 * A machine fits a pool when it is the pool's own (an operator put it there)
 * or free inventory (no cluster, no pool) meeting the pool's hardware needs.
 */
export function assignableTo(pool: NodePool): SQL {
  const req = pool.hardwareRequirements;
  const needs: SQL[] = [isNull(machines.clusterId), isNull(machines.poolId)];
  if (req.minCpuCores) needs.push(gte(machines.cpuCores, req.minCpuCores));
  if (req.minMemoryBytes) needs.push(gte(machines.memoryBytes, req.minMemoryBytes));
  if (req.minGpuCount) needs.push(gte(machines.gpuCount, req.minGpuCount));
  if (req.gpuType) needs.push(eq(machines.gpuType, req.gpuType));
  if (req.regions?.length) needs.push(inArray(machines.region, req.regions));
  if (req.zones?.length) needs.push(inArray(machines.zone, req.zones));
  if (req.machineLabels && Object.keys(req.machineLabels).length > 0) {
    needs.push(arrayContains(machines.labels, req.machineLabels));
  }
  return and(eq(machines.status, "available"), or(eq(machines.poolId, pool.id), and(...needs)))!;
}

/**
 * Scale-up policies, read simply: the pool's own machines always come before
 * free inventory (they were set aside for it), then
 *  - random: uniform, so wear and failures spread across the fleet;
 *  - least-used: the machine idle the longest (oldest status change), fewest failures first;
 *  - most-available: the biggest machines first (cpu, memory, gpus), leaving small ones for small pools.
 */
export function scaleUpOrder(policy: ScaleUpPolicy): SQL[] {
  const ownFirst = sql`(${machines.poolId} is null)`;
  switch (policy) {
    case "random":
      return [ownFirst, sql`random()`];
    case "least-used":
      return [ownFirst, asc(machines.statusChangedAt), asc(machines.consecutiveFailures), asc(machines.id)];
    case "most-available":
      return [
        ownFirst,
        desc(machines.cpuCores),
        desc(machines.memoryBytes),
        desc(machines.gpuCount),
        asc(machines.id),
      ];
  }
}

export function lockCandidates(tx: Db, pool: NodePool, count: number): Promise<Machine[]> {
  return tx
    .select()
    .from(machines)
    .where(assignableTo(pool))
    .orderBy(...scaleUpOrder(pool.scaleUpPolicy))
    .limit(count)
    .for("update", { skipLocked: true });
}
