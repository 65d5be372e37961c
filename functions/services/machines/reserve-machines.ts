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
 *
 * Statements: the pool lock, then one reservation statement
 * (reserve-statement.ts) that does the rest; a second one only when the
 * pool's own machines fall short and the free inventory must be searched.
 * The reservation runs in the caller's cluster write (unit-of-work.ts), which
 * publishes the state versions the statement bumped once it commits.
 */
import { sql } from "drizzle-orm";
import type { Db } from "../../../drizzle/client.ts";
import { resultRows, tableRowFromJson } from "../../../drizzle/drivers/rows.ts";
import { type Allocation, type Machine, type NodePool, nodePools } from "../../../drizzle/schema/index.ts";
import { renderOnce } from "../../../drizzle/static-sql.ts";
import { AppError } from "../../lib/errors.ts";
import type { ServiceCall, ServiceContext } from "../context.ts";
import { type ClusterWrite, withClusterWrite } from "../unit-of-work.ts";
import { isUuid } from "./ids.ts";
import { runReservationStatement } from "./reserve-statement.ts";
import { assertLegalTransition } from "./transition-machine.ts";

export interface ReserveMachinesInput {
  clusterId: string;
  poolId: string;
  count: number;
  /** written on every event; for agent allocations, the allocation's request id */
  requestId: string;
}

export const POOL_RESERVE_ACTION = "pool.reserve";

/**
 * A reservation without an agent allocation (an operator's or a job's), in a
 * cluster write of its own, audited as `pool.reserve` with the machines taken.
 */
export async function reserveMachines({ ctx, input }: ServiceCall<ReserveMachinesInput>): Promise<Machine[]> {
  return withClusterWrite(ctx, async (tx, write) => {
    const { machines } = await reserveMachinesIn(tx, ctx, input, { write, recordAllocation: false });
    write.audit({
      action: POOL_RESERVE_ACTION,
      resourceType: "pool",
      resourceId: input.poolId,
      clusterId: input.clusterId,
      changes: { count: input.count, requestId: input.requestId, machineIds: machines.map((m) => m.id) },
    });
    return machines;
  });
}

export interface ReserveOptions {
  /** the cluster write the reservation belongs to: it receives the state versions the statement bumped */
  write: ClusterWrite;
  /** record an agent allocation under `input.requestId` in the same statement */
  recordAllocation: boolean;
}

export type ReservationOutcome =
  | { duplicate: false; machines: Machine[]; allocation: Allocation | null }
  /** the allocation's request id was recorded before: nothing was reserved, replay the earlier answer */
  | { duplicate: true; machines: []; allocation: null };

/**
 * The reservation inside a transaction the caller owns (`tx`). Throws the
 * typed refusals (not_found, pool_disabled, pool_at_max,
 * not_enough_machines) with counts; the caller's transaction then rolls back.
 */
export async function reserveMachinesIn(
  tx: Db,
  ctx: ServiceContext,
  input: ReserveMachinesInput,
  options: ReserveOptions,
): Promise<ReservationOutcome> {
  if (!Number.isInteger(input.count) || input.count < 1) {
    throw new AppError("validation_failed", "count must be a positive integer", { count: input.count });
  }
  assertLegalTransition("available", "reserved");
  const pool = await lockPool(tx, input.clusterId, input.poolId);
  if (!pool.autoscalingEnabled) {
    throw new AppError("pool_disabled", `autoscaling is disabled for pool ${pool.name}`, {
      poolId: pool.id,
    });
  }
  const statement = {
    pool,
    count: input.count,
    requestId: input.requestId,
    allocation: options.recordAllocation ? { requestId: input.requestId } : null,
  };
  // The pool's own machines come first in every scale-up order, so when they
  // cover the request they ARE the first candidates; asking for them alone
  // spares ordering the whole free inventory while the pool is locked.
  let result = await runReservationStatement(tx, ctx, { ...statement, ownOnly: true });
  if (result.inUse + input.count <= pool.maxSize && result.found < input.count) {
    result = await runReservationStatement(tx, ctx, { ...statement, ownOnly: false });
  }
  if (result.inUse + input.count > pool.maxSize) {
    throw new AppError(
      "pool_at_max",
      `pool ${pool.name} has ${result.inUse} of at most ${pool.maxSize} machines; cannot add ${input.count}`,
      { poolId: pool.id, current: result.inUse, max: pool.maxSize, requested: input.count },
    );
  }
  if (result.found < input.count) {
    throw new AppError(
      "not_enough_machines",
      `pool ${pool.name} needs ${input.count} machines, ${result.found} available`,
      { poolId: pool.id, requested: input.count, available: result.found },
    );
  }
  if (options.recordAllocation && !result.allocation)
    return { duplicate: true, machines: [], allocation: null };
  if (result.machines.length !== input.count) {
    // the candidates were locked by this very statement, so their guards cannot fail
    throw new Error(`reservation moved ${result.machines.length} of ${input.count} locked machines`);
  }
  options.write.bumped(result.stateVersions);
  return { duplicate: false, machines: result.machines, allocation: result.allocation };
}

const SELECT_POOLS = renderOnce(sql`select * from ${nodePools}`);

/** Locks the pool row (FOR UPDATE): serialises every reservation for the pool. Not found: not_found. */
async function lockPool(tx: Db, clusterId: string, poolId: string): Promise<NodePool> {
  const [row] = !(isUuid(clusterId) && isUuid(poolId))
    ? []
    : resultRows<Record<string, unknown>>(
        await tx.execute(sql`${SELECT_POOLS} where id = ${poolId} and cluster_id = ${clusterId} for update`),
      );
  const pool = row ? tableRowFromJson(nodePools, row) : undefined;
  if (!pool)
    throw new AppError("not_found", `pool ${poolId} not found in cluster ${clusterId}`, {
      poolId,
      clusterId,
    });
  return pool;
}
