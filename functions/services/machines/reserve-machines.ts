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
import type { ServiceCall } from "../context.ts";
import { lockCandidates } from "./candidates.ts";
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
  if (!Number.isInteger(input.count) || input.count < 1) {
    throw new AppError("validation_failed", "count must be a positive integer", { count: input.count });
  }
  const stateVersions = new Map<string, number>();
  const reserved = await ctx.db.transaction(async (tx) => {
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
    const candidates = await lockCandidates(tx, pool, input.count);
    if (candidates.length < input.count) {
      throw new AppError(
        "not_enough_machines",
        `pool ${pool.name} needs ${input.count} machines, ${candidates.length} available`,
        { poolId: pool.id, requested: input.count, available: candidates.length },
      );
    }
    const transitions: TransitionInput[] = candidates.map((m) => ({
      machineId: m.id,
      from: "available",
      to: "reserved",
      expectedVersion: m.version,
      reason: "reserved for scale-up",
      patch: { clusterId: pool.clusterId, poolId: pool.id, providerId: providerIdFor(m.id) },
      metadata: { contextRequestId: ctx.requestId, count: input.count },
    }));
    return applyTransitions(tx, ctx, transitions, { requestId: input.requestId, stateVersions });
  });
  await publishStateVersions(ctx, stateVersions);
  return reserved;
}

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
