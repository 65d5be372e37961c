/**
 * Resource figures pushed by an agent, stored as raw resource_snapshots rows
 * (the roll-up job turns them into daily ones). Every pool must belong to the
 * caller's cluster; one that does not is not_found and nothing is stored.
 */
import { and, eq, inArray } from "drizzle-orm";
import { nodePools, resourceSnapshots } from "../../../drizzle/schema/index.ts";
import type { PoolSnapshot, SnapshotsRequest, SnapshotsResponse } from "../../../proto/agent-api.ts";
import { AppError } from "../../lib/errors.ts";
import type { ServiceCall } from "../context.ts";

export interface RecordSnapshotsInput extends SnapshotsRequest {
  clusterId: string;
}

type Figures = Omit<PoolSnapshot, "poolId">;
type NewResourceSnapshot = typeof resourceSnapshots.$inferInsert;

export async function recordSnapshots({
  ctx,
  input,
}: ServiceCall<RecordSnapshotsInput>): Promise<SnapshotsResponse> {
  const capturedAt = input.capturedAt ? new Date(input.capturedAt) : ctx.clock.now();
  const poolIds = input.pools.map((p) => p.poolId);
  if (poolIds.length > 0) {
    const known = await ctx.db
      .select({ id: nodePools.id })
      .from(nodePools)
      .where(and(eq(nodePools.clusterId, input.clusterId), inArray(nodePools.id, poolIds)));
    const knownIds = new Set(known.map((p) => p.id));
    const missing = poolIds.filter((id) => !knownIds.has(id));
    if (missing.length > 0) {
      throw new AppError("not_found", `pool ${missing[0]} not found`, { poolIds: missing });
    }
  }
  const rows: NewResourceSnapshot[] = input.pools.map((p) => rowOf(input.clusterId, p.poolId, capturedAt, p));
  if (input.cluster) rows.push(rowOf(input.clusterId, null, capturedAt, input.cluster));
  if (rows.length > 0) await ctx.db.insert(resourceSnapshots).values(rows);
  return { capturedAt: capturedAt.toISOString(), recorded: rows.length };
}

function rowOf(clusterId: string, poolId: string | null, capturedAt: Date, f: Figures): NewResourceSnapshot {
  return {
    clusterId,
    poolId,
    capturedAt,
    granularity: "raw",
    nodeCount: f.nodeCount,
    capacityCpuMillis: f.capacity.cpuMillis,
    capacityMemoryBytes: f.capacity.memoryBytes,
    allocatableCpuMillis: f.allocatable.cpuMillis,
    allocatableMemoryBytes: f.allocatable.memoryBytes,
    requestedCpuMillis: f.requested.cpuMillis,
    requestedMemoryBytes: f.requested.memoryBytes,
    usageCpuMillis: f.usage.cpuMillis,
    usageMemoryBytes: f.usage.memoryBytes,
  };
}
