/**
 * The cluster's real resources as its agent last measured them: the latest
 * raw whole-cluster snapshot (pool_id null) per cluster, for a whole page of
 * clusters in one query. A lateral join takes each cluster's newest row
 * straight off the (cluster_id, pool_id, captured_at) index, where DISTINCT
 * ON would read every raw row the roll-up has not deleted yet.
 */
import { and, desc, eq, inArray, isNull, sql } from "drizzle-orm";
import type { Db } from "../../../drizzle/client.ts";
import { clusters } from "../../../drizzle/schema/clusters.ts";
import { resourceSnapshots } from "../../../drizzle/schema/resource-snapshots.ts";

export interface ResourceFigures {
  cpuMillis: number;
  memoryBytes: number;
}

export interface ClusterResources {
  capturedAt: string;
  nodeCount: number;
  capacity: ResourceFigures;
  allocatable: ResourceFigures;
  requested: ResourceFigures;
  /** zero when the cluster has no metrics-server */
  usage: ResourceFigures;
}

export async function latestClusterResources(
  db: Db,
  clusterIds: readonly string[],
): Promise<Map<string, ClusterResources>> {
  const found = new Map<string, ClusterResources>();
  if (clusterIds.length === 0) return found;
  const s = resourceSnapshots;
  const latest = db
    .select({
      capturedAt: s.capturedAt,
      nodeCount: s.nodeCount,
      capacityCpuMillis: s.capacityCpuMillis,
      capacityMemoryBytes: s.capacityMemoryBytes,
      allocatableCpuMillis: s.allocatableCpuMillis,
      allocatableMemoryBytes: s.allocatableMemoryBytes,
      requestedCpuMillis: s.requestedCpuMillis,
      requestedMemoryBytes: s.requestedMemoryBytes,
      usageCpuMillis: s.usageCpuMillis,
      usageMemoryBytes: s.usageMemoryBytes,
    })
    .from(s)
    .where(and(eq(s.clusterId, clusters.id), isNull(s.poolId), eq(s.granularity, "raw")))
    .orderBy(desc(s.capturedAt))
    .limit(1)
    .as("latest");
  const rows = await db
    .select({
      clusterId: clusters.id,
      capturedAt: latest.capturedAt,
      nodeCount: latest.nodeCount,
      capacityCpuMillis: latest.capacityCpuMillis,
      capacityMemoryBytes: latest.capacityMemoryBytes,
      allocatableCpuMillis: latest.allocatableCpuMillis,
      allocatableMemoryBytes: latest.allocatableMemoryBytes,
      requestedCpuMillis: latest.requestedCpuMillis,
      requestedMemoryBytes: latest.requestedMemoryBytes,
      usageCpuMillis: latest.usageCpuMillis,
      usageMemoryBytes: latest.usageMemoryBytes,
    })
    .from(clusters)
    .innerJoinLateral(latest, sql`true`)
    .where(inArray(clusters.id, [...clusterIds]));
  for (const r of rows) {
    found.set(r.clusterId, {
      capturedAt: r.capturedAt.toISOString(),
      nodeCount: r.nodeCount,
      capacity: { cpuMillis: r.capacityCpuMillis, memoryBytes: r.capacityMemoryBytes },
      allocatable: { cpuMillis: r.allocatableCpuMillis, memoryBytes: r.allocatableMemoryBytes },
      requested: { cpuMillis: r.requestedCpuMillis, memoryBytes: r.requestedMemoryBytes },
      usage: { cpuMillis: r.usageCpuMillis, memoryBytes: r.usageMemoryBytes },
    });
  }
  return found;
}
