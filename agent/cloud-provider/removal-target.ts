/**
 * Where Cluster Autoscaler's removal of an instance takes its machine, from
 * the status it is in: a registered node drains; an unregistered one is
 * cancelled — `reserved` straight back to `available` (nothing ran on it),
 * `joining` to `leaving` (SSH may have reached the host: it is reset before
 * it is free). "done": already on its way out. null: not for this call.
 */
import type { MachineState } from "../../proto/machine-states.ts";

export type RemovalTarget = MachineState | "done" | null;

export function cancelTarget(status: MachineState): RemovalTarget {
  if (status === "reserved") return "available";
  if (status === "joining") return "leaving";
  if (status === "leaving") return "done";
  return null;
}

/** DeleteNodes may also take a registered node: it drains. */
export function deleteTarget(status: MachineState): RemovalTarget {
  if (status === "ready") return "draining";
  if (status === "draining") return "done";
  return cancelTarget(status);
}
