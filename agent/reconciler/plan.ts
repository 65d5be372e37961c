/**
 * What the loop should start or stop now: a pure function of the machines'
 * statuses, the Nodes, the operations in flight and the per-machine retry
 * times. Level-triggered: it looks at where things are, not at what
 * happened, so a restarted agent picks up a half-done join or removal the
 * same way it starts a new one.
 *
 * - reserved, joining → join (at most `maxConcurrentJoins` per pool);
 * - draining, leaving → remove; draining for maintenance → maintenance (the
 *   two share the pool's `maxConcurrentRemovals`: both drain Nodes);
 * - ready with a Node the agent cordoned for maintenance → uncordon;
 * - ready with a Node that lacks its labels or taints → labels;
 * - an operation whose machine someone else moved (or that left the
 *   cluster) → abort.
 * Oldest status change first, so nothing starves.
 */
import type { AgentMachine, AgentPool } from "../../proto/agent-api.ts";
import { missingLabels, missingTaints } from "../kubernetes/node-labels-taints.ts";
import type { NodeWatch } from "../kubernetes/types.ts";
import type { AgentView } from "../state/view.ts";
import { MAINTENANCE_REASON } from "./maintain-machine.ts";
import { nodeLabelsOf, nodeTaintsOf, providerIdOf } from "./node-spec.ts";
import type { OperationKind, RunningOperation } from "./types.ts";

export type PlannedAction =
  | { kind: "abort"; machineId: string; reason: string }
  | { kind: OperationKind; machine: AgentMachine; pool: AgentPool };

export interface PlanInput {
  view: AgentView;
  nodes: NodeWatch;
  running: ReadonlyMap<string, Pick<RunningOperation, "kind" | "poolId" | "expects">>;
  /** machine id → not before this time (ms): a failed attempt's backoff */
  notBefore: ReadonlyMap<string, number>;
  /** machine id → a version the control plane refused: the view is stale until it shows another */
  staleVersions: ReadonlyMap<string, number>;
  now: number;
}

type CappedKind = Exclude<OperationKind, "labels" | "uncordon">;
/** What a capped operation counts against: the pool's joins, or its removals (any drain). */
type Slot = "join" | "remove";
const SLOT_OF: Record<OperationKind, Slot | null> = {
  join: "join",
  remove: "remove",
  maintenance: "remove",
  labels: null,
  uncordon: null,
};

const KIND_OF_STATUS: Partial<Record<AgentMachine["status"], CappedKind>> = {
  reserved: "join",
  joining: "join",
  draining: "remove",
  leaving: "remove",
};

function cappedKindOf(machine: AgentMachine): CappedKind | undefined {
  if (machine.status === "draining" && machine.drainIntent === MAINTENANCE_REASON) return "maintenance";
  return KIND_OF_STATUS[machine.status];
}

export function planActions(input: PlanInput): PlannedAction[] {
  const { view, running } = input;
  const actions: PlannedAction[] = [];
  for (const [machineId, op] of running) {
    const machine = view.machinesById.get(machineId);
    if (!machine || machine.poolId !== op.poolId) {
      actions.push({ kind: "abort", machineId, reason: "the machine left the pool" });
    } else if (!op.expects.includes(machine.status)) {
      actions.push({ kind: "abort", machineId, reason: `the machine is ${machine.status} now` });
    }
  }
  const busy = (slot: Slot, poolId: string) =>
    [...running.values()].filter((op) => SLOT_OF[op.kind] === slot && op.poolId === poolId).length;

  for (const { pool, machines } of view.pools) {
    const slots: Record<Slot, number> = {
      join: pool.lifecycle.maxConcurrentJoins - busy("join", pool.id),
      remove: pool.lifecycle.maxConcurrentRemovals - busy("remove", pool.id),
    };
    const oldestFirst = [...machines].sort(
      (a, b) => Date.parse(a.statusChangedAt) - Date.parse(b.statusChangedAt),
    );
    for (const machine of oldestFirst) {
      if (running.has(machine.id) || (input.notBefore.get(machine.id) ?? 0) > input.now) continue;
      if (input.staleVersions.get(machine.id) === machine.version) continue;
      const kind = cappedKindOf(machine);
      if (kind) {
        const slot = SLOT_OF[kind];
        if (slot === null || slots[slot] <= 0) continue;
        slots[slot]--;
        actions.push({ kind, machine, pool });
      } else if (machine.status === "ready") {
        const check = nodeCheckOf(input.nodes, machine, pool);
        if (check) actions.push({ kind: check, machine, pool });
      }
    }
  }
  return actions;
}

/**
 * What a ready machine's Node needs, if anything: first its maintenance
 * cordon undone (the agent's mark is still on it; an operator's cordon has
 * none), then its labels or taints completed.
 */
function nodeCheckOf(nodes: NodeWatch, machine: AgentMachine, pool: AgentPool): "uncordon" | "labels" | null {
  const node = nodes.byProviderId(providerIdOf(machine));
  if (!node || node.deleting) return null;
  if (node.cordonedFor === MAINTENANCE_REASON) return "uncordon";
  const lacks =
    Object.keys(missingLabels(node.labels, nodeLabelsOf(machine, pool))).length > 0 ||
    missingTaints(node.taints, nodeTaintsOf(machine, pool)).length > 0;
  return lacks ? "labels" : null;
}
