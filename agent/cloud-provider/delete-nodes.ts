/**
 * NodeGroupDeleteNodes. Each node is found by providerID, then by name (fake
 * nodes for instances that never registered carry the instance id as both).
 * Registered machines go ready → draining, written ahead through the control
 * plane; unregistered ones are cancelled: reserved → available (nothing ran
 * on them yet), joining → leaving (the reconciler resets the host first); a
 * failed join CA gives up on is only forgotten here (it is `fault`, and its
 * host was cleaned when the join failed).
 * Nodes already deleting are left alone, so a retried call is harmless.
 * A node under maintenance (drained for it, or draining for it) is not CA's
 * to remove: the call is refused (FailedPrecondition) before anything moves.
 * That refusal, and one below the pool's min size, is also reported to the
 * control plane (report-refusal.ts) for the pool's "why didn't it scale?".
 */

import type { AgentMachine, TransitionItem } from "../../proto/agent-api.ts";
import { CA_NODE_DELETED_REASON } from "../../proto/scale-down-reasons.ts";
import { AgentError } from "../errors.ts";
import { TARGET_STATES } from "../state/instances.ts";
import { nodeLabel, type ResolvedInstance, requireGroup, requireLeader, resolveNode } from "./lookup.ts";
import type { MutationDeps } from "./mutation-deps.ts";
import { deleteTarget } from "./removal-target.ts";
import { reportRefusal } from "./report-refusal.ts";
import { reportTransitions } from "./report-transitions.ts";
import type { CaNode } from "./types.ts";

const REASON = CA_NODE_DELETED_REASON;

export async function deleteNodes(
  deps: MutationDeps,
  groupId: string,
  nodes: readonly CaNode[],
  deadline?: Date,
): Promise<void> {
  const what = `DeleteNodes on node group "${groupId}"`;
  requireLeader(deps.leadership, what);
  const view = deps.store.view();
  const pool = requireGroup(view, groupId);
  if (nodes.length === 0) throw new AgentError("invalid_argument", `${what}: no nodes given`);

  const picked = new Map<string, ResolvedInstance>();
  const names = new Map<string, string>();
  const outside: string[] = [];
  const duplicates: string[] = [];
  const maintained: string[] = [];
  for (const node of nodes) {
    const found = resolveNode(view, node);
    if (!found || found.pool.pool.id !== pool.pool.id) outside.push(nodeLabel(node));
    else if (picked.has(found.machine.id)) duplicates.push(nodeLabel(node));
    else {
      picked.set(found.machine.id, found);
      names.set(found.machine.id, nodeLabel(node));
      if (underMaintenance(found.machine)) maintained.push(nodeLabel(node));
    }
  }
  if (outside.length > 0 || duplicates.length > 0) {
    const parts = [
      outside.length > 0 ? `not in this node group: ${outside.join(", ")}` : "",
      duplicates.length > 0 ? `listed more than once: ${duplicates.join(", ")}` : "",
    ].filter(Boolean);
    throw new AgentError("invalid_argument", `${what}: ${parts.join("; ")}`, { outside, duplicates });
  }

  if (maintained.length > 0) {
    void reportRefusal(deps, {
      poolId: pool.pool.id,
      direction: "down",
      requested: picked.size,
      reasons: [
        {
          code: "node_in_maintenance",
          message: `under maintenance, back in service when it ends: ${clipped(maintained)}`,
          count: maintained.length,
        },
      ],
    });
    throw new AgentError(
      "failed_precondition",
      `${what}: under maintenance, back in service when it ends: ${maintained.join(", ")}`,
      { maintenance: maintained },
    );
  }

  const counted = [...picked.values()].filter((p) => TARGET_STATES.includes(p.machine.status)).length;
  const remaining = pool.targetSize - counted;
  if (remaining < pool.pool.minSize) {
    void reportRefusal(deps, {
      poolId: pool.pool.id,
      direction: "down",
      requested: picked.size,
      reasons: [
        {
          code: "min_size_reached",
          message: `deleting ${counted} nodes would leave ${remaining}, below the minimum ${pool.pool.minSize}`,
          count: remaining,
        },
      ],
    });
    throw new AgentError(
      "failed_precondition",
      `${what}: deleting ${counted} nodes would leave ${remaining}, below the minimum ${pool.pool.minSize}`,
      { targetSize: pool.targetSize, deleting: counted, minSize: pool.pool.minSize },
    );
  }

  const items: TransitionItem[] = [];
  for (const { machine } of picked.values()) {
    const to = deleteTarget(machine.status);
    if (to !== null && to !== "done") {
      items.push({
        machineId: machine.id,
        from: machine.status,
        to,
        expectedVersion: machine.version,
        reason: REASON,
      });
    } else if (machine.status === "fault") deps.store.hide(machine.id, machine.version);
  }
  deps.logger.info("deleting nodes", {
    group: groupId,
    nodes: [...names.values()],
    transitions: items.length,
  });
  await reportTransitions(deps, items, names, what, deadline, deleteTarget);
}

/** Node names for a message of at most 1024 characters (the protocol's bound). */
function clipped(names: readonly string[]): string {
  const all = names.join(", ");
  return all.length <= 900 ? all : `${all.slice(0, 900)}… (${names.length} nodes)`;
}

/** Drained, or draining, for a maintenance order. */
const underMaintenance = (machine: AgentMachine): boolean =>
  machine.status === "maintenance" ||
  (machine.status === "draining" && machine.drainIntent === "maintenance");
