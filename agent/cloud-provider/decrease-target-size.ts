/**
 * NodeGroupDecreaseTargetSize: CA withdraws part of a scale-up that has not
 * materialised. Only unregistered machines may go (reserved first, newest
 * first, then joining): reserved ones straight back to available, joining
 * ones to leaving, so the reconciler resets the host before it is free. A
 * registered node is never touched here — that is what DeleteNodes is for.
 */

import type { AgentMachine, TransitionItem } from "../../proto/agent-api.ts";
import type { MachineState } from "../../proto/machine-states.ts";
import { CA_TARGET_DECREASED_REASON } from "../../proto/scale-down-reasons.ts";
import { AgentError } from "../errors.ts";
import { providerIdOf } from "../state/instances.ts";
import { requireGroup, requireInteger, requireLeader } from "./lookup.ts";
import type { MutationDeps } from "./mutation-deps.ts";
import { cancelTarget } from "./removal-target.ts";
import { reportTransitions } from "./report-transitions.ts";

const REASON = CA_TARGET_DECREASED_REASON;

export async function decreaseTargetSize(
  deps: MutationDeps,
  groupId: string,
  delta: number,
  deadline?: Date,
): Promise<void> {
  const what = `DecreaseTargetSize of node group "${groupId}" by ${delta}`;
  requireLeader(deps.leadership, what);
  const pool = requireGroup(deps.store.view(), groupId);
  requireInteger(delta, what);
  if (delta >= 0) throw new AgentError("invalid_argument", `${what}: delta must be negative`, { delta });

  const unregistered = pool.instances
    .map((i) => i.machine)
    .filter((m) => m.status === "reserved" || m.status === "joining")
    .sort(cancelOrder);
  const wanted = -delta;
  if (unregistered.length < wanted) {
    throw new AgentError(
      "failed_precondition",
      `${what}: only ${unregistered.length} unregistered (reserved or joining) machines to cancel; ` +
        "registered nodes are removed through DeleteNodes",
      { requested: wanted, unregistered: unregistered.length, targetSize: pool.targetSize },
    );
  }
  const chosen = unregistered.slice(0, wanted);
  const items: TransitionItem[] = chosen.map((m) => ({
    machineId: m.id,
    from: m.status,
    // the chosen are reserved or joining: a target status, never "done" or null
    to: cancelTarget(m.status) as MachineState,
    expectedVersion: m.version,
    reason: REASON,
  }));
  const names = new Map(chosen.map((m) => [m.id, providerIdOf(m)]));
  deps.logger.info("decreasing target size", { group: groupId, delta, machines: [...names.values()] });
  await reportTransitions(deps, items, names, what, deadline, cancelTarget);
}

/** Reserved before joining (less work lost), newest first within each. */
function cancelOrder(a: AgentMachine, b: AgentMachine): number {
  if (a.status !== b.status) return a.status === "reserved" ? -1 : 1;
  return Date.parse(b.statusChangedAt) - Date.parse(a.statusChangedAt);
}
