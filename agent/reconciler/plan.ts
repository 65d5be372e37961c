/**
 * What the loop should start or stop now: a pure function of the machines'
 * statuses, the Nodes, the operations in flight and the per-machine retry
 * times. Level-triggered: it looks at where things are, not at what
 * happened, so a restarted agent picks up a half-done join or removal the
 * same way it starts a new one.
 *
 * - reserved, joining → join (at most `maxConcurrentJoins` per pool);
 * - draining, leaving → remove (at most `maxConcurrentRemovals` per pool);
 * - ready with a Node that lacks its labels or taints → labels;
 * - an operation whose machine someone else moved (or that left the
 *   cluster) → abort.
 * Oldest status change first, so nothing starves.
 */
import type { AgentMachine, AgentPool } from "../../proto/agent-api.ts";
import { missingLabels, missingTaints } from "../kubernetes/node-labels-taints.ts";
import type { NodeWatch } from "../kubernetes/types.ts";
import type { AgentView } from "../state/view.ts";
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

type CappedKind = Exclude<OperationKind, "labels">;

const KIND_OF_STATUS: Partial<Record<AgentMachine["status"], CappedKind>> = {
  reserved: "join",
  joining: "join",
  draining: "remove",
  leaving: "remove",
};

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
  const busy = (kind: OperationKind, poolId: string) =>
    [...running.values()].filter((op) => op.kind === kind && op.poolId === poolId).length;

  for (const { pool, machines } of view.pools) {
    const slots: Record<CappedKind, number> = {
      join: pool.lifecycle.maxConcurrentJoins - busy("join", pool.id),
      remove: pool.lifecycle.maxConcurrentRemovals - busy("remove", pool.id),
    };
    const oldestFirst = [...machines].sort(
      (a, b) => Date.parse(a.statusChangedAt) - Date.parse(b.statusChangedAt),
    );
    for (const machine of oldestFirst) {
      if (running.has(machine.id) || (input.notBefore.get(machine.id) ?? 0) > input.now) continue;
      if (input.staleVersions.get(machine.id) === machine.version) continue;
      const kind = KIND_OF_STATUS[machine.status];
      if (kind) {
        if (slots[kind] <= 0) continue;
        slots[kind]--;
        actions.push({ kind, machine, pool });
      } else if (machine.status === "ready" && lacksLabelsOrTaints(input.nodes, machine, pool)) {
        actions.push({ kind: "labels", machine, pool });
      }
    }
  }
  return actions;
}

function lacksLabelsOrTaints(nodes: NodeWatch, machine: AgentMachine, pool: AgentPool): boolean {
  const node = nodes.byProviderId(providerIdOf(machine));
  if (!node || node.deleting) return false;
  return (
    Object.keys(missingLabels(node.labels, nodeLabelsOf(machine, pool))).length > 0 ||
    missingTaints(node.taints, nodeTaintsOf(machine, pool)).length > 0
  );
}
