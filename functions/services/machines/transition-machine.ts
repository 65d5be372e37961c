/**
 * The only way a machine changes state. Every change is a guarded UPDATE
 * (the row must still be in `from`, and at `expectedVersion` when given) plus
 * one event row in `operations`, in the same statement, so history and state
 * never disagree. Legality comes from proto/machine-states.ts alone.
 */
import { eq } from "drizzle-orm";
import type { Db } from "../../../drizzle/client.ts";
import { type Machine, machines, type NewMachine } from "../../../drizzle/schema/index.ts";
import { canTransition, type MachineState } from "../../../proto/machine-states.ts";
import { AppError } from "../../lib/errors.ts";
import { publishStateVersions } from "../clusters/state-version.ts";
import type { ServiceCall, ServiceContext } from "../context.ts";
import { isUuid } from "./ids.ts";
import { runTransitionBatch } from "./transition-statement.ts";

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

export interface TransitionOptions {
  /** request id written on the events; defaults to ctx.requestId (reservations pass their allocation id) */
  requestId?: string;
  /**
   * Receives the bumped state versions of the clusters the batch touched;
   * publish them with `publishStateVersions` once the transaction commits.
   */
  stateVersions?: Map<string, number>;
}

export { MACHINE_TRANSITION_EVENT } from "./transition-statement.ts";

export function assertLegalTransition(from: MachineState, to: MachineState): void {
  if (!canTransition(from, to)) {
    throw new AppError("illegal_transition", `a machine cannot go from ${from} to ${to}`, { from, to });
  }
}

/** One transition in its own transaction. */
export async function transitionMachine({ ctx, input }: ServiceCall<TransitionInput>): Promise<Machine> {
  assertLegalTransition(input.from, input.to);
  const stateVersions = new Map<string, number>();
  const [machine] = await ctx.db.transaction((tx) => applyTransitions(tx, ctx, [input], { stateVersions }));
  await publishStateVersions(ctx, stateVersions);
  return machine!;
}

/**
 * N transitions inside a transaction the caller owns (`tx`), as one statement
 * (transition-statement.ts). Legality of all of them is checked before it
 * runs; if any guard fails, this throws (the first failing input, in order)
 * and the caller's transaction rolls every one of them back. A machine may
 * appear once per batch: one UPDATE cannot move a row twice.
 */
export async function applyTransitions(
  tx: Db,
  ctx: ServiceContext,
  inputs: readonly TransitionInput[],
  options: TransitionOptions = {},
): Promise<Machine[]> {
  if (inputs.length === 0) return [];
  const seen = new Set<string>();
  for (const input of inputs) {
    assertLegalTransition(input.from, input.to);
    if (!isUuid(input.machineId)) throw missing(input.machineId);
    if (seen.has(input.machineId)) {
      throw new AppError("validation_failed", `machine ${input.machineId} appears twice in one batch`, {
        machineId: input.machineId,
      });
    }
    seen.add(input.machineId);
  }
  const { machines: changed, stateVersions } = await runTransitionBatch(tx, inputs, {
    requestId: options.requestId ?? ctx.requestId,
    actor: ctx.actor,
    now: ctx.clock.now(),
  });
  const byId = new Map(changed.map((m) => [m.id, m]));
  const firstMiss = inputs.find((input) => !byId.has(input.machineId));
  if (firstMiss) throw await explainMiss(tx, firstMiss);
  for (const [id, v] of stateVersions) options.stateVersions?.set(id, v);
  return inputs.map((input) => byId.get(input.machineId)!);
}

/** Zero rows updated: tell "no such machine" from "someone changed it first". */
async function explainMiss(tx: Db, input: TransitionInput): Promise<AppError> {
  const [current] = await tx
    .select({ status: machines.status, version: machines.version })
    .from(machines)
    .where(eq(machines.id, input.machineId));
  if (!current) return missing(input.machineId);
  return new AppError(
    "stale_version",
    `machine ${input.machineId} changed meanwhile (now ${current.status} v${current.version})`,
    {
      expectedStatus: input.from,
      actualStatus: current.status,
      expectedVersion: input.expectedVersion ?? null,
      actualVersion: current.version,
    },
  );
}

function missing(id: string): AppError {
  return new AppError("not_found", `machine ${id} not found`, { id });
}
