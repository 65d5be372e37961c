/**
 * Sends the `→ fault` transitions for every host a run refused because its
 * host key did not match (hostKeyFaultTransition), in one batch, written
 * ahead of anything else the caller does with those machines. Machines the
 * control plane has changed meanwhile come back as per-item conflicts in
 * the response; nothing is retried here.
 */
import type { TransitionItem, TransitionsResponse } from "../../proto/agent-api.ts";
import type { ControlPlane } from "../control-plane/types.ts";
import { hostKeyFaultTransition, type MachineVersion } from "./host-failure.ts";
import type { HostResult } from "./types.ts";

export async function reportHostKeyFaults(
  controlPlane: Pick<ControlPlane, "transitions">,
  results: readonly HostResult[],
  machines: ReadonlyMap<string, MachineVersion>,
  options?: { deadline?: Date },
): Promise<TransitionsResponse | null> {
  const items: TransitionItem[] = [];
  for (const result of results) {
    const machine = machines.get(result.hostId);
    const item = machine ? hostKeyFaultTransition(result, machine) : null;
    if (item) items.push(item);
  }
  if (items.length === 0) return null;
  return controlPlane.transitions(items, options);
}
