/**
 * What a guarded machine transition is made of, in a module of its own so the
 * service (transition-machine.ts) and the statement that runs the batch
 * (transition-statement.ts) can both name it without importing each other.
 */
import type { NewMachine } from "../../../drizzle/schema/index.ts";
import type { MachineState } from "../../../proto/machine-states.ts";

/** Columns that may change together with the status (e.g. assignment on reserve, node name on join). */
export type MachinePatch = Partial<
  Pick<
    NewMachine,
    | "clusterId"
    | "poolId"
    | "nodeName"
    | "providerId"
    | "lastError"
    | "lastAction"
    | "consecutiveFailures"
    | "lastHeartbeatAt"
    | "kubeletVersion"
    | "originClusterId"
    | "drainIntent"
  >
>;

export interface TransitionInput {
  machineId: string;
  from: MachineState;
  to: MachineState;
  expectedVersion?: number;
  reason?: string;
  patch?: MachinePatch;
  /** extra facts for the event row, merged under {from, to, reason} */
  metadata?: Record<string, unknown>;
}
