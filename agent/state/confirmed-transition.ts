/**
 * What a transition the control plane confirmed means for the agent's view.
 * Both writers of transitions (Cluster Autoscaler's mutations and the
 * lifecycle reconciler) apply their confirmed transitions locally at once,
 * the same way, so CA and the reconciler never wait a poll for our own news.
 */
import type { TransitionItem, TransitionResult } from "../../proto/agent-api.ts";
import type { MachineState } from "../../proto/machine-states.ts";
import type { LocalChange } from "./store.ts";

const JOINED: readonly MachineState[] = ["reserved", "joining", "ready"];

/**
 * The machine's version after the transition, or null when it did not
 * happen. A stale_version refusal that shows the machine already where we
 * wanted it (a retry whose first answer was lost) counts as done.
 */
export function appliedVersion(result: TransitionResult, to: MachineState): number | null {
  if (result.ok) return result.machine.version;
  const details = result.error.details;
  if (result.error.code === "stale_version" && details?.actualStatus === to) {
    const actual = details.actualVersion;
    return typeof actual === "number" ? actual : null;
  }
  return null;
}

export function confirmedChange(item: TransitionItem, version: number, now: Date): LocalChange {
  // a machine that leaves the cluster loses its provider id and node name (control plane's release rule)
  const leaves = item.to === "available";
  return {
    machineId: item.machineId,
    version,
    set: {
      status: item.to,
      desiredState: JOINED.includes(item.to) ? "joined" : "absent",
      statusReason: item.reason ?? null,
      statusChangedAt: now.toISOString(),
      ...(item.lastError !== undefined ? { lastError: item.lastError } : {}),
      ...(item.nodeName !== undefined ? { nodeName: item.nodeName } : {}),
      ...(leaves ? { providerId: null, nodeName: null } : {}),
      // the control plane's rule: a drain's intent ends with the drain
      ...(item.to !== "draining" ? { drainIntent: null } : {}),
    },
  };
}
