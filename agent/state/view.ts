/**
 * The agent's immutable, indexed picture of its cluster, rebuilt whenever the
 * state changes (a poll, or one of our own mutations) and then only read.
 * Everything a read RPC needs is precomputed here, so NodeGroupForNode and
 * TargetSize are a Map lookup even at thousands of nodes.
 */
import type { AgentMachine, AgentPool, AgentState } from "../../proto/agent-api.ts";
import type { MachineState } from "../../proto/machine-states.ts";
import type { InstanceInfo, NodeGroupInfo } from "../cloud-provider/types.ts";
import { instanceOf, TARGET_STATES } from "./instances.ts";

export type StatusCounts = Readonly<Record<MachineState, number>>;

export interface PoolInstance {
  machine: AgentMachine;
  info: InstanceInfo;
}

export interface PoolView {
  pool: AgentPool;
  /** every machine assigned to the pool, whatever its status */
  machines: readonly AgentMachine[];
  /** what NodeGroupNodes lists (acknowledged failures excluded) */
  instances: readonly PoolInstance[];
  counts: StatusCounts;
  /** ready + joining + reserved */
  targetSize: number;
  /** null: autoscaling is disabled, so the pool is no node group */
  group: NodeGroupInfo | null;
}

export interface AgentView {
  clusterId: string | null;
  stateVersion: number | null;
  pools: readonly PoolView[];
  nodeGroups: readonly NodeGroupInfo[];
  poolsByName: ReadonlyMap<string, PoolView>;
  poolsById: ReadonlyMap<string, PoolView>;
  /** instances only, keyed by providerID */
  instancesByProviderId: ReadonlyMap<string, PoolInstance & { pool: PoolView }>;
  /** instances only, keyed by node name (set once the machine joined) */
  instancesByNodeName: ReadonlyMap<string, PoolInstance & { pool: PoolView }>;
  machinesById: ReadonlyMap<string, AgentMachine>;
  /** GPU types of the node groups' templates and machines, sorted */
  gpuTypes: readonly string[];
}

const zeroCounts = (): Record<MachineState, number> => ({
  available: 0,
  reserved: 0,
  joining: 0,
  ready: 0,
  draining: 0,
  leaving: 0,
  fault: 0,
  maintenance: 0,
  archived: 0,
});

export function debugLine(name: string, counts: StatusCounts, target: number): string {
  const c = counts;
  return (
    `pool=${name} ready=${c.ready} joining=${c.joining} reserved=${c.reserved} ` +
    `draining=${c.draining} leaving=${c.leaving} fault=${c.fault} target=${target}`
  );
}

/** `hidden`: machine ids that are not instances any more (failures CA already deleted). */
export function buildView(state: AgentState | null, hidden: ReadonlySet<string> = new Set()): AgentView {
  const byPoolId = new Map<string, AgentMachine[]>();
  const machinesById = new Map<string, AgentMachine>();
  for (const machine of state?.machines ?? []) {
    machinesById.set(machine.id, machine);
    if (!machine.poolId) continue;
    const list = byPoolId.get(machine.poolId);
    if (list) list.push(machine);
    else byPoolId.set(machine.poolId, [machine]);
  }
  const pools: PoolView[] = [];
  const instancesByProviderId = new Map<string, PoolInstance & { pool: PoolView }>();
  const instancesByNodeName = new Map<string, PoolInstance & { pool: PoolView }>();
  const gpuTypes = new Set<string>();
  for (const pool of state?.pools ?? []) {
    const view = buildPool(pool, byPoolId.get(pool.id) ?? [], hidden);
    pools.push(view);
    if (!view.group) continue;
    for (const instance of view.instances) {
      const entry = { ...instance, pool: view };
      instancesByProviderId.set(instance.info.id, entry);
      if (instance.machine.nodeName) instancesByNodeName.set(instance.machine.nodeName, entry);
    }
    if (pool.template.gpuCount > 0 && pool.template.gpuType) gpuTypes.add(pool.template.gpuType);
    for (const m of view.machines) {
      if (m.resources.gpuCount > 0 && m.resources.gpuType) gpuTypes.add(m.resources.gpuType);
    }
  }
  return {
    clusterId: state?.clusterId ?? null,
    stateVersion: state?.stateVersion ?? null,
    pools,
    nodeGroups: Object.freeze(pools.flatMap((p) => (p.group ? [p.group] : []))),
    poolsByName: new Map(pools.map((p) => [p.pool.name, p])),
    poolsById: new Map(pools.map((p) => [p.pool.id, p])),
    instancesByProviderId,
    instancesByNodeName,
    machinesById,
    gpuTypes: Object.freeze([...gpuTypes].sort()),
  };
}

function buildPool(pool: AgentPool, machines: AgentMachine[], hidden: ReadonlySet<string>): PoolView {
  const counts = zeroCounts();
  for (const machine of machines) counts[machine.status]++;
  const supply = { hasFreeMachine: counts.available > 0 };
  const instances: PoolInstance[] = [];
  for (const machine of machines) {
    const info = hidden.has(machine.id) ? null : instanceOf(machine, supply);
    if (info) instances.push({ machine, info });
  }
  const targetSize = TARGET_STATES.reduce((sum, status) => sum + counts[status], 0);
  const group: NodeGroupInfo | null = pool.autoscalingEnabled
    ? Object.freeze({
        id: pool.name,
        minSize: pool.minSize,
        maxSize: pool.maxSize,
        debug: debugLine(pool.name, counts, targetSize),
      })
    : null;
  return { pool, machines, instances, counts, targetSize, group };
}
