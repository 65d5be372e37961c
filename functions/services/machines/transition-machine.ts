/**
 * The only way a machine changes state. Every change is one guarded UPDATE
 * (the row must still be in `from`, and at `expectedVersion` when given) plus
 * one event row in `operations`, in the same transaction, so history and state
 * never disagree. Legality comes from proto/machine-states.ts alone.
 */
import { and, eq, type SQL, sql } from "drizzle-orm";
import type { Db } from "../../../drizzle/client.ts";
import { type Machine, machines, type NewMachine, operations } from "../../../drizzle/schema/index.ts";
import { canTransition, type MachineState } from "../../../proto/machine-states.ts";
import { AppError } from "../../lib/errors.ts";
import { bumpStateVersions, publishStateVersions } from "../clusters/state-version.ts";
import type { ServiceCall, ServiceContext } from "../context.ts";
import { isUuid } from "./ids.ts";

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

export const MACHINE_TRANSITION_EVENT = "machine.transition";

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
 * N transitions inside a transaction the caller owns (`tx`). Legality of all
 * of them is checked before the first statement; any failure throws, and the
 * caller's transaction rolls every one of them back.
 */
export async function applyTransitions(
  tx: Db,
  ctx: ServiceContext,
  inputs: readonly TransitionInput[],
  options: TransitionOptions = {},
): Promise<Machine[]> {
  for (const input of inputs) assertLegalTransition(input.from, input.to);
  const updated: Machine[] = [];
  const touched = new Set<string | null>();
  for (const input of inputs) {
    // a patch that moves the machine out of a cluster changes that cluster's state too
    if (input.patch && "clusterId" in input.patch) touched.add(await currentClusterOf(tx, input.machineId));
    const row = await applyOne(tx, ctx, input, options);
    touched.add(row.clusterId);
    updated.push(row);
  }
  // last, so the cluster rows stay locked for as short a time as possible
  const versions = await bumpStateVersions(tx, touched);
  for (const [id, v] of versions) options.stateVersions?.set(id, v);
  return updated;
}

async function currentClusterOf(tx: Db, machineId: string): Promise<string | null> {
  if (!isUuid(machineId)) return null;
  const [row] = await tx
    .select({ clusterId: machines.clusterId })
    .from(machines)
    .where(eq(machines.id, machineId));
  return row?.clusterId ?? null;
}

async function applyOne(
  tx: Db,
  ctx: ServiceContext,
  input: TransitionInput,
  options: TransitionOptions,
): Promise<Machine> {
  if (!isUuid(input.machineId)) throw missing(input.machineId);
  const now = ctx.clock.now();
  const guards: SQL[] = [eq(machines.id, input.machineId), eq(machines.status, input.from)];
  if (input.expectedVersion !== undefined) guards.push(eq(machines.version, input.expectedVersion));

  const [row] = await tx
    .update(machines)
    .set({
      ...input.patch,
      status: input.to,
      statusReason: input.reason ?? null,
      statusChangedAt: now,
      updatedAt: now,
      version: sql`${machines.version} + 1`,
    })
    .where(and(...guards))
    .returning();
  if (!row) throw await explainMiss(tx, input);

  // The event carries the machine's assignment after the change; when a patch
  // clears it (release), the patch in the metadata says what was cleared.
  await tx.insert(operations).values({
    kind: MACHINE_TRANSITION_EVENT,
    status: "succeeded",
    requestId: options.requestId ?? ctx.requestId,
    clusterId: row.clusterId,
    poolId: row.poolId,
    machineId: row.id,
    metadata: {
      ...input.metadata,
      from: input.from,
      to: input.to,
      reason: input.reason ?? null,
      actor: ctx.actor,
      version: row.version,
      ...(input.patch ? { patch: input.patch } : {}),
    },
    startedAt: now,
    endedAt: now,
  });
  return row;
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
