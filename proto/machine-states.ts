/**
 * The machine lifecycle, shared by the control plane and the agent.
 * This table is the single source of truth: the database layer refuses any
 * transition that is not listed here, and the agent plans its work from it.
 */
export const MACHINE_STATES = [
  "available",
  "reserved",
  "joining",
  "ready",
  "draining",
  "leaving",
  "fault",
  "maintenance",
  "archived",
] as const;

export type MachineState = (typeof MACHINE_STATES)[number];

export const MACHINE_TRANSITIONS: Readonly<Record<MachineState, readonly MachineState[]>> = {
  // fault: a free machine can be found broken too (a failed probe, a host key that changed)
  available: ["reserved", "maintenance", "archived", "fault"],
  // back to available when a reservation is cancelled or expires
  reserved: ["joining", "available", "fault"],
  // back to available when a join is rolled back; leaving when it is cancelled after SSH may have
  // touched the host, which must then be reset before it is free again
  joining: ["ready", "fault", "available", "leaving"],
  ready: ["draining", "fault", "maintenance"],
  // back to ready when a deletion is aborted
  draining: ["leaving", "ready", "fault", "maintenance"],
  leaving: ["available", "fault", "maintenance"],
  // back to available once repaired
  fault: ["available", "maintenance", "archived"],
  // ready: back in service after maintenance on a machine whose Node was kept (cordoned) meanwhile
  maintenance: ["available", "archived", "ready"],
  // restored
  archived: ["available"],
};

/** States in which a machine belongs to a cluster's capacity (or is about to). */
export const IN_USE_STATES: readonly MachineState[] = ["reserved", "joining", "ready", "draining", "leaving"];

export function isMachineState(value: unknown): value is MachineState {
  return typeof value === "string" && (MACHINE_STATES as readonly string[]).includes(value);
}

export function canTransition(from: MachineState, to: MachineState): boolean {
  return MACHINE_TRANSITIONS[from].includes(to);
}
