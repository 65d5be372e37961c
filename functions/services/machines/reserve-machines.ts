/**
 * Reserves machines for a pool's scale-up: in ONE transaction, lock the pool,
 * check it may grow, lock `count` candidates (SKIP LOCKED) and move each
 * available → reserved through the state machine. Anything short of the full
 * count rolls the whole reservation back.
 *
 * Locking the pool row serialises reservations for the same pool, which the
 * max-size check needs (two concurrent reservations must not both see room
 * for the last slot). SKIP LOCKED still matters: free inventory is shared by
 * every pool, and other writers hold individual machine rows.
 */
import { and, count as countRows, eq, inArray } from "drizzle-orm";
import type { Db } from "../../../drizzle/client.ts";
import { type Machine, machines, type NodePool, nodePools } from "../../../drizzle/schema/index.ts";
import { IN_USE_STATES } from "../../../proto/machine-states.ts";
import { AppError } from "../../lib/errors.ts";
import { publishStateVersions } from "../clusters/state-version.ts";
import type { ServiceCall, ServiceContext } from "../context.ts";
import { lockCandidates, scaleUpOrder } from "./candidates.ts";
import { isUuid } from "./ids.ts";
import { applyTransitions, type TransitionInput } from "./transition-machine.ts";

export interface ReserveMachinesInput {
  clusterId: string;
  poolId: string;
  count: number;
  /** the allocation's id; written on every event (idempotency by it comes later) */
  requestId: string;
}

export const providerIdFor = (machineId: string) => `ksp://${machineId}`;

export async function reserveMachines({ ctx, input }: ServiceCall<ReserveMachinesInput>): Promise<Machine[]> {
  const stateVersions = new Map<string, number>();
  const reserved = await ctx.db.transaction((tx) => reserveMachinesIn(tx, ctx, input, stateVersions));
  await publishStateVersions(ctx, stateVersions);
  return reserved;
}

/**
 * The reservation inside a transaction the caller owns (`tx`): plan, then
 * apply. The bumped state versions land in `stateVersions`; the caller
 * publishes them after its commit.
 */
export async function reserveMachinesIn(
  tx: Db,
  ctx: ServiceContext,
  input: ReserveMachinesInput,
  stateVersions: Map<string, number>,
): Promise<Machine[]> {
  const plan = await planReservation(tx, input);
  return applyReservation(tx, ctx, plan, input, stateVersions);
}

/** The pool (locked) and the machines (locked) a reservation will take. */
export interface ReservationPlan {
  pool: NodePool;
  candidates: Machine[];
}

/**
 * First half of a reservation, for callers that record something with the
 * chosen machines before they change (agent allocations): locks the pool,
 * checks it may grow, locks `count` candidates. Throws the typed refusals
 * (not_found, pool_disabled, pool_at_max, not_enough_machines) with counts.
 * Nothing is written: a caller may still walk away and commit.
 */
export async function planReservation(tx: Db, input: ReserveMachinesInput): Promise<ReservationPlan> {
  if (!Number.isInteger(input.count) || input.count < 1) {
    throw new AppError("validation_failed", "count must be a positive integer", { count: input.count });
  }
  const pool = await lockPool(tx, input.clusterId, input.poolId);
  if (!pool.autoscalingEnabled) {
    throw new AppError("pool_disabled", `autoscaling is disabled for pool ${pool.name}`, {
      poolId: pool.id,
    });
  }
  const inUse = await countInUse(tx, pool.id);
  if (inUse + input.count > pool.maxSize) {
    throw new AppError(
      "pool_at_max",
      `pool ${pool.name} has ${inUse} of at most ${pool.maxSize} machines; cannot add ${input.count}`,
      { poolId: pool.id, current: inUse, max: pool.maxSize, requested: input.count },
    );
  }
  const candidates = await lockOwnFirst(tx, pool, input.count);
  if (candidates.length < input.count) {
    throw new AppError(
      "not_enough_machines",
      `pool ${pool.name} needs ${input.count} machines, ${candidates.length} available`,
      { poolId: pool.id, requested: input.count, available: candidates.length },
    );
  }
  return { pool, candidates };
}

/** Second half: moves every planned machine available → reserved through the state machine. */
export function applyReservation(
  tx: Db,
  ctx: ServiceContext,
  { pool, candidates }: ReservationPlan,
  input: ReserveMachinesInput,
  stateVersions: Map<string, number>,
): Promise<Machine[]> {
  const transitions: TransitionInput[] = candidates.map((m) => ({
    machineId: m.id,
    from: "available",
    to: "reserved",
    expectedVersion: m.version,
    reason: "reserved for scale-up",
    patch: { clusterId: pool.clusterId, poolId: pool.id, providerId: providerIdFor(m.id) },
    // whether a release should give the machine back to the free inventory (see expire-reservations)
    metadata: { contextRequestId: ctx.requestId, count: input.count, fromFreeInventory: m.poolId === null },
  }));
  return applyTransitions(tx, ctx, transitions, { requestId: input.requestId, stateVersions });
}

/**
 * The pool's own machines come first in every scale-up order, so when they
 * alone cover the request they ARE the first `count` candidates. Asking for
 * them alone uses the (pool_id, status) index; the full candidate query also
 * has to order the whole free inventory, which at fleet scale costs hundreds
 * of milliseconds while the pool row is locked. Only when the pool's own
 * machines fall short does the full query run (it sees the rows this
 * transaction already locked, so the result is the same as asking it first).
 */
async function lockOwnFirst(tx: Db, pool: NodePool, count: number): Promise<Machine[]> {
  const own = await tx
    .select()
    .from(machines)
    .where(and(eq(machines.status, "available"), eq(machines.poolId, pool.id)))
    .orderBy(...scaleUpOrder(pool.scaleUpPolicy))
    .limit(count)
    .for("update", { skipLocked: true });
  return own.length === count ? own : lockCandidates(tx, pool, count);
}

/** Locks the pool row (FOR UPDATE): serialises every reservation for the pool. Not found: not_found. */
async function lockPool(tx: Db, clusterId: string, poolId: string): Promise<NodePool> {
  const [pool] = !(isUuid(clusterId) && isUuid(poolId))
    ? []
    : await tx
        .select()
        .from(nodePools)
        .where(and(eq(nodePools.id, poolId), eq(nodePools.clusterId, clusterId)))
        .for("update");
  if (!pool)
    throw new AppError("not_found", `pool ${poolId} not found in cluster ${clusterId}`, {
      poolId,
      clusterId,
    });
  return pool;
}

async function countInUse(tx: Db, poolId: string): Promise<number> {
  const [row] = await tx
    .select({ n: countRows() })
    .from(machines)
    .where(and(eq(machines.poolId, poolId), inArray(machines.status, [...IN_USE_STATES])));
  return row?.n ?? 0;
}
