/**
 * A host-key mismatch means the machine at that address is not the one we
 * pinned: nothing may run there until an operator looks. This turns such a
 * HostResult into the control-plane transition that marks the machine
 * `fault` with the reason (the reconciler sending it lands later).
 */
import type { TransitionItem } from "../../proto/agent-api.ts";
import { canTransition, type MachineState } from "../../proto/machine-states.ts";
import { AgentError } from "../errors.ts";
import type { HostResult } from "./types.ts";

export interface MachineVersion {
  id: string;
  status: MachineState;
  version: number;
}

const MAX_REASON = 1024;
const MAX_LAST_ERROR = 4096;

/**
 * The `→ fault` transition for a host-key failure, or null when the result
 * holds none, or when the lifecycle has no edge to `fault` from the machine's
 * status (already `fault`, or `maintenance`/`archived`: out of use anyway).
 */
export function hostKeyFaultTransition(result: HostResult, machine: MachineVersion): TransitionItem | null {
  if (result.hostId !== machine.id) {
    throw new AgentError(
      "invalid_argument",
      `host result for ${result.hostId} given with machine ${machine.id}`,
    );
  }
  const failed = result.steps.find((step) => step.status === "failed" && step.errorClass === "host-key");
  if (failed === undefined || !canTransition(machine.status, "fault")) return null;
  const detail = failed.errorMessage ?? "host key verification failed";
  return {
    machineId: machine.id,
    from: machine.status,
    to: "fault",
    expectedVersion: machine.version,
    reason: clip(`host key mismatch: ${detail}`, MAX_REASON),
    lastError: clip(`${failed.pipeline}/${failed.step}: ${detail}`, MAX_LAST_ERROR),
  };
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
