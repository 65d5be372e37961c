/**
 * A pool at a glance: machines per state (every state, zeros included), what
 * the pool is heading for (`target`: reserved + joining + ready), what it
 * holds (`inUse`), its bounds, its latest events, and why it did or did not
 * scale lately (`scaling`, services/scaling/pool-scaling.ts).
 */
import { and, count, desc, eq } from "drizzle-orm";
import { machines, operations } from "../../../drizzle/schema/index.ts";
import { IN_USE_STATES, MACHINE_STATES, type MachineState } from "../../../proto/machine-states.ts";
import type { ServiceCall } from "../context.ts";
import { type PoolScaling, poolScaling } from "../scaling/pool-scaling.ts";
import { findPool } from "./pool-view.ts";

export const POOL_STATUS_EVENT_LIMIT = 20;
/** Machines the pool is bringing up or has up: the size Cluster Autoscaler sees as the target. */
export const TARGET_STATES: readonly MachineState[] = ["reserved", "joining", "ready"];

export interface PoolStatusInput {
  clusterId: string;
  poolId: string;
}

export interface PoolEventView {
  id: string;
  kind: string;
  status: string;
  machineId: string | null;
  metadata: Record<string, unknown>;
  createdAt: string;
}

export interface PoolStatus {
  clusterId: string;
  poolId: string;
  name: string;
  minSize: number;
  maxSize: number;
  autoscalingEnabled: boolean;
  counts: Record<MachineState, number>;
  total: number;
  target: number;
  inUse: number;
  events: PoolEventView[];
  scaling: PoolScaling;
}

const sumOf = (counts: Record<MachineState, number>, states: readonly MachineState[]) =>
  states.reduce((sum, s) => sum + counts[s], 0);

export async function poolStatus({ ctx, input }: ServiceCall<PoolStatusInput>): Promise<PoolStatus> {
  const pool = await findPool(ctx.db, input.clusterId, input.poolId);
  const [grouped, events, scaling] = await Promise.all([
    ctx.db
      .select({ status: machines.status, n: count() })
      .from(machines)
      .where(eq(machines.poolId, pool.id))
      .groupBy(machines.status),
    ctx.db
      .select()
      .from(operations)
      .where(and(eq(operations.poolId, pool.id), eq(operations.clusterId, pool.clusterId)))
      .orderBy(desc(operations.createdAt), desc(operations.id))
      .limit(POOL_STATUS_EVENT_LIMIT),
    poolScaling(ctx.db, pool, ctx.clock.now()),
  ]);
  const counts = Object.fromEntries(MACHINE_STATES.map((s) => [s, 0])) as Record<MachineState, number>;
  for (const row of grouped) counts[row.status] = row.n;
  return {
    clusterId: pool.clusterId,
    poolId: pool.id,
    name: pool.name,
    minSize: pool.minSize,
    maxSize: pool.maxSize,
    autoscalingEnabled: pool.autoscalingEnabled,
    counts,
    total: sumOf(counts, MACHINE_STATES),
    target: sumOf(counts, TARGET_STATES),
    inUse: sumOf(counts, IN_USE_STATES),
    events: events.map((e) => ({
      id: e.id,
      kind: e.kind,
      status: e.status,
      machineId: e.machineId,
      metadata: e.metadata,
      createdAt: e.createdAt.toISOString(),
    })),
    scaling,
  };
}
