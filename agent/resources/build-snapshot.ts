/**
 * One snapshot push from what the agent read: per pool and for the whole
 * cluster, how many Nodes there are, what they have (capacity, allocatable,
 * from the Node informer), what their pods ask for (requests) and what they
 * use (metrics-server; zero without it). Every pool of the view is
 * reported, with zeros when it has no Node, so each pool's series has no
 * gaps a reader could take for missing data.
 */
import { MAX_SNAPSHOT_POOLS, type PoolSnapshot, type SnapshotsRequest } from "../../proto/agent-api.ts";
import type { NodeInfo, ResourceAmounts } from "../kubernetes/types.ts";
import type { PoolOfNode } from "./pool-of-node.ts";

export interface SnapshotInputs {
  capturedAt: Date;
  nodes: readonly NodeInfo[];
  /** the cluster's pools, in the order to report them */
  poolIds: readonly string[];
  poolOf: PoolOfNode;
  /** pods' requests by Node name */
  requests: ReadonlyMap<string, ResourceAmounts>;
  /** usage by Node name; null: no metrics API */
  usage: ReadonlyMap<string, ResourceAmounts> | null;
}

type Figures = Omit<PoolSnapshot, "poolId">;

const zero = (): ResourceAmounts => ({ cpuMillis: 0, memoryBytes: 0 });
const emptyFigures = (): Figures => ({
  nodeCount: 0,
  capacity: zero(),
  allocatable: zero(),
  requested: zero(),
  usage: zero(),
});

function addTo(total: ResourceAmounts, amounts: ResourceAmounts | undefined): void {
  if (!amounts) return;
  total.cpuMillis += amounts.cpuMillis;
  total.memoryBytes += amounts.memoryBytes;
}

export function buildSnapshot(inputs: SnapshotInputs): SnapshotsRequest {
  const cluster = emptyFigures();
  // the protocol takes at most MAX_SNAPSHOT_POOLS; past that the pools are cut, never the push
  const byPool = new Map(inputs.poolIds.slice(0, MAX_SNAPSHOT_POOLS).map((id) => [id, emptyFigures()]));
  for (const node of inputs.nodes) {
    const poolId = inputs.poolOf(node);
    const pool = poolId === null ? undefined : byPool.get(poolId);
    for (const figures of pool ? [cluster, pool] : [cluster]) {
      figures.nodeCount += 1;
      addTo(figures.capacity, node.capacity);
      addTo(figures.allocatable, node.allocatable);
      addTo(figures.requested, inputs.requests.get(node.name));
      addTo(figures.usage, inputs.usage?.get(node.name));
    }
  }
  return {
    capturedAt: inputs.capturedAt.toISOString(),
    pools: [...byPool].map(([poolId, figures]) => ({ poolId, ...figures })),
    cluster,
  };
}
