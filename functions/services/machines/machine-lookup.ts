/**
 * Reads shared by the machine verbs: a machine as the caller may see it, the
 * pool a machine is being put into, and the event row every assignment
 * change leaves in `operations`.
 *
 * Visibility: an unscoped caller sees every machine; a caller scoped to a
 * cluster sees only that cluster's machines, not the free inventory. Anything
 * else is "not found", so ids of other clusters' machines cannot be probed.
 */
import { and, eq, isNull, type SQL } from "drizzle-orm";
import type { Db } from "../../../drizzle/client.ts";
import {
  clusters,
  type Machine,
  machines,
  type NodePool,
  nodePools,
  operations,
} from "../../../drizzle/schema/index.ts";
import { AppError } from "../../lib/errors.ts";
import type { ServiceContext } from "../context.ts";
import { isUuid } from "./ids.ts";
import { meetsRequirements } from "./requirements.ts";

/** null: every cluster and the free inventory */
export type MachineScope = string | null;

export function machineNotFound(machineId: string): AppError {
  return new AppError("not_found", `machine ${machineId} not found`, { machineId });
}

export function isVisible(machine: Pick<Machine, "clusterId">, scope: MachineScope): boolean {
  return scope === null || machine.clusterId === scope;
}

/** The machine, if the caller may see it; `lock` takes a row lock for the rest of the transaction. */
export async function findMachine(
  db: Db,
  machineId: string,
  scope: MachineScope,
  options: { lock?: boolean } = {},
): Promise<Machine> {
  if (!isUuid(machineId)) throw machineNotFound(machineId);
  const query = db.select().from(machines).where(eq(machines.id, machineId));
  const [row] = options.lock ? await query.for("update") : await query;
  if (!row || !isVisible(row, scope)) throw machineNotFound(machineId);
  return row;
}

/**
 * A cluster-scoped caller may only name its own cluster as a target; any
 * other is "not found", as if it did not exist (no probing of other clusters).
 */
export function assertClusterInScope(scope: MachineScope, clusterId: string): void {
  if (scope !== null && scope !== clusterId) {
    throw new AppError("not_found", `cluster ${clusterId} not found`, { clusterId });
  }
}

/**
 * A pool of a live cluster; "not found" when either is missing or the pool
 * belongs elsewhere. With `lock`, the pool row is share-locked first (cluster
 * deletion locks pools before anything else, so it now waits for us) and the
 * cluster is read in a statement of its own, which sees a deletion that
 * committed while we waited for the lock.
 */
export async function findTargetPool(
  db: Db,
  clusterId: string,
  poolId: string,
  options: { lock?: boolean } = {},
): Promise<NodePool> {
  const notFound = () =>
    new AppError("not_found", `pool ${poolId} not found in cluster ${clusterId}`, { clusterId, poolId });
  if (!isUuid(clusterId) || !isUuid(poolId)) throw notFound();
  if (options.lock) {
    await db.select({ id: nodePools.id }).from(nodePools).where(eq(nodePools.id, poolId)).for("share");
  }
  const [row] = await db
    .select({ pool: nodePools })
    .from(nodePools)
    .innerJoin(clusters, eq(clusters.id, nodePools.clusterId))
    .where(and(eq(nodePools.id, poolId), eq(nodePools.clusterId, clusterId), isNull(clusters.deletedAt)));
  if (!row) throw notFound();
  return row.pool;
}

/** Refuses with every reason when the machine's hardware does not fit the pool. */
export function assertFits(machine: Machine, pool: NodePool): void {
  const fit = meetsRequirements(machine, pool);
  if (!fit.ok) {
    throw new AppError(
      "conflict",
      `machine ${machine.hostname} does not meet the requirements of pool ${pool.name}: ${fit.reasons.join("; ")}`,
      { machineId: machine.id, poolId: pool.id, reasons: fit.reasons },
    );
  }
}

/** Refuses when the caller's read is older than the row (the client's optimistic lock). */
export function assertExpectedVersion(machine: Machine, expectedVersion: number | undefined): void {
  if (expectedVersion !== undefined && expectedVersion !== machine.version) {
    throw new AppError(
      "stale_version",
      `machine ${machine.id} is at version ${machine.version}, not ${expectedVersion}`,
      { expectedVersion, actualVersion: machine.version },
    );
  }
}

/**
 * The guard of a write that changes neither status nor place (SSH settings,
 * labels, identity confirmation): the row is still in the status and at the
 * version the caller read. Status and place changes have guarded writers of
 * their own (transition-machine.ts, placement-write.ts).
 */
export function unchangedSince(read: Pick<Machine, "id" | "status" | "version">): SQL {
  return and(eq(machines.id, read.id), eq(machines.status, read.status), eq(machines.version, read.version))!;
}

/** What a guarded write that matched no row tells the caller. */
export function changedMeanwhile(read: Pick<Machine, "id" | "version">): AppError {
  return new AppError(
    "stale_version",
    `machine ${read.id} changed meanwhile (read at version ${read.version}); read it again and retry`,
    { machineId: read.id, expectedVersion: read.version },
  );
}

export interface MachineEvent {
  /** dotted, e.g. "machine.assign" */
  kind: string;
  machine: Machine;
  metadata: Record<string, unknown>;
  /** the cluster and pool whose history shows the event; defaults to the machine's own */
  place?: { clusterId: string | null; poolId: string | null };
}

/** One history row for a change that is not a status transition (those write their own). */
export async function recordMachineEvent(tx: Db, ctx: ServiceContext, event: MachineEvent): Promise<void> {
  const now = ctx.clock.now();
  await tx.insert(operations).values({
    kind: event.kind,
    status: "succeeded",
    requestId: ctx.requestId,
    clusterId: (event.place ?? event.machine).clusterId,
    poolId: (event.place ?? event.machine).poolId,
    machineId: event.machine.id,
    metadata: { ...event.metadata, actor: ctx.actor, version: event.machine.version },
    startedAt: now,
    endedAt: now,
  });
}
