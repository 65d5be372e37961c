/**
 * The only way a machine changes state. Every change is a guarded UPDATE
 * (the row must still be in `from`, and at `expectedVersion` when given) plus
 * one event row in `operations`, in the same statement, so history and state
 * never disagree. Legality comes from proto/machine-states.ts alone.
 *
 * Transitions run inside a cluster write (unit-of-work.ts): the statement
 * bumps the state version of every cluster it touched and hands the new
 * versions to the write, which publishes them after the commit.
 */
import { eq } from "drizzle-orm";
import type { Db } from "../../../drizzle/client.ts";
import { type Machine, machines } from "../../../drizzle/schema/index.ts";
import { canTransition, type MachineState } from "../../../proto/machine-states.ts";
import { AppError } from "../../lib/errors.ts";
import type { ServiceCall, ServiceContext } from "../context.ts";
import { enqueueNotifications, type NotificationEvent } from "../notifications/enqueue-notification.ts";
import { type ClusterWrite, withClusterWrite } from "../unit-of-work.ts";
import { isUuid } from "./ids.ts";
import { machineAudit } from "./machine-audit.ts";
import { runTransitionBatch } from "./transition-statement.ts";
import type { TransitionInput } from "./transition-types.ts";

export type { MachinePatch, TransitionInput } from "./transition-types.ts";

export interface TransitionOptions {
  /** the cluster write the transitions belong to: it receives the state versions the batch bumped */
  write: ClusterWrite;
  /** request id written on the events; defaults to ctx.requestId (reservations pass their allocation id) */
  requestId?: string;
}

export { MACHINE_TRANSITION_EVENT } from "./transition-statement.ts";

export function assertLegalTransition(from: MachineState, to: MachineState): void {
  if (!canTransition(from, to)) {
    throw new AppError("illegal_transition", `a machine cannot go from ${from} to ${to}`, { from, to });
  }
}

/**
 * One transition in a cluster write of its own, audited as
 * `machine.transition`. Services that offer a transition under a name of
 * their own (status-actions.ts, the agent's reports, jobs) run
 * applyTransitions in their write and record their own entry instead.
 */
export async function transitionMachine({ ctx, input }: ServiceCall<TransitionInput>): Promise<Machine> {
  assertLegalTransition(input.from, input.to);
  return withClusterWrite(ctx, async (tx, write) => {
    const [machine] = await applyTransitions(tx, ctx, [input], { write });
    const { from, to, reason = null } = input;
    write.audit(machineAudit("transition", machine!.id, machine!.clusterId, { from, to, reason }));
    return machine!;
  });
}

/**
 * N transitions inside a transaction the caller owns (`tx`, the cluster
 * write's), as one statement (transition-statement.ts). Legality of all of
 * them is checked before it runs; if any guard fails, this throws (the first
 * failing input, in order) and the caller's transaction rolls every one of
 * them back. A machine may appear once per batch: one UPDATE cannot move a
 * row twice.
 */
export async function applyTransitions(
  tx: Db,
  ctx: ServiceContext,
  inputs: readonly TransitionInput[],
  options: TransitionOptions,
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
  const now = ctx.clock.now();
  const { machines: changed, stateVersions } = await runTransitionBatch(tx, inputs, {
    requestId: options.requestId ?? ctx.requestId,
    actor: ctx.actor,
    now,
  });
  const byId = new Map(changed.map((m) => [m.id, m]));
  const firstMiss = inputs.find((input) => !byId.has(input.machineId));
  if (firstMiss) throw await explainMiss(tx, firstMiss);
  options.write.bumped(stateVersions);
  // every move to fault passes here: its notification commits with it (one statement, only when one faulted)
  const faults = inputs.filter((input) => input.to === "fault");
  if (faults.length > 0)
    await enqueueNotifications(
      tx,
      faults.map((f) => faultEvent(f, byId.get(f.machineId)!)),
      now,
    );
  return inputs.map((input) => byId.get(input.machineId)!);
}

/** `machine.fault`: the machine's version after the move tells one fault of it from the next. */
function faultEvent(input: TransitionInput, machine: Machine): NotificationEvent {
  return {
    eventType: "machine.fault",
    subjectId: machine.id,
    occurrence: `v${machine.version}`,
    data: {
      machineId: machine.id,
      hostname: machine.hostname,
      clusterId: machine.clusterId,
      poolId: machine.poolId,
      from: input.from,
      reason: input.reason ?? machine.lastError ?? null,
    },
  };
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
