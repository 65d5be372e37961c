/**
 * Soft-deletes a cluster without losing a machine. While machines are in use
 * the delete is refused unless forced; either way, in one transaction:
 * - machines not in use (available, fault, maintenance, archived) are
 *   detached, keeping their state: available ones return to free inventory;
 * - in-use machines go to `fault` ("cluster deleted") through the state
 *   machine, detached too, so someone checks the host before reuse;
 * - the agent credential and registration token stop working, tokens scoped
 *   to the cluster are revoked, and the name becomes free.
 *
 * Locks are taken pools → machines → cluster, the order reservations (pool →
 * machines → cluster) and machine transitions (machine → cluster) use, so a
 * delete racing them waits instead of deadlocking.
 */
import { and, asc, eq, inArray, isNull, sql } from "drizzle-orm";
import type { Db } from "../../../drizzle/client.ts";
import { apiTokens, clusters, machines, nodePools, operations } from "../../../drizzle/schema/index.ts";
import { IN_USE_STATES, type MachineState } from "../../../proto/machine-states.ts";
import { AppError } from "../../lib/errors.ts";
import { forgetAgentCredential } from "../auth/agent-credential-cache.ts";
import type { ServiceCall, ServiceContext } from "../context.ts";
import { applyTransitions } from "../machines/transition-machine.ts";
import { clusterNotFound, liveCluster } from "./cluster-view.ts";
import { bumpStateVersions, publishStateVersions } from "./state-version.ts";

export const CLUSTER_DELETED_REASON = "cluster deleted";
export const MACHINE_RELEASED_EVENT = "machine.released";

export interface DeleteClusterInput {
  clusterId: string;
  force: boolean;
}

export interface DeletedCluster {
  clusterId: string;
  name: string;
  deletedAt: string;
  /** machines detached with their state unchanged (available ones are free inventory again) */
  releasedMachines: number;
  /** in-use machines moved to fault */
  faultedMachines: number;
  revokedTokens: number;
}

type LockedMachine = { id: string; status: MachineState; poolId: string | null; version: number };

const isInUse = (m: LockedMachine) => IN_USE_STATES.includes(m.status);

export async function deleteCluster({
  ctx,
  input,
}: ServiceCall<DeleteClusterInput>): Promise<DeletedCluster> {
  const { clusterId } = input;
  const stateVersions = new Map<string, number>();
  const result = await ctx.db.transaction(async (tx) => {
    await liveCluster(tx, clusterId);
    await tx
      .select({ id: nodePools.id })
      .from(nodePools)
      .where(eq(nodePools.clusterId, clusterId))
      .orderBy(asc(nodePools.id))
      .for("update");
    const assigned: LockedMachine[] = await tx
      .select({
        id: machines.id,
        status: machines.status,
        poolId: machines.poolId,
        version: machines.version,
      })
      .from(machines)
      .where(eq(machines.clusterId, clusterId))
      .orderBy(asc(machines.id))
      .for("update");

    const inUse = assigned.filter(isInUse);
    if (inUse.length > 0 && !input.force) throw inUseConflict(clusterId, inUse);

    const now = ctx.clock.now();
    const [deleted] = await tx
      .update(clusters)
      .set({
        deletedAt: now,
        updatedAt: now,
        agentCredentialHash: null,
        registrationTokenHash: null,
        registrationTokenExpiresAt: null,
      })
      .where(and(eq(clusters.id, clusterId), isNull(clusters.deletedAt)))
      .returning({ name: clusters.name });
    if (!deleted) throw clusterNotFound(clusterId);

    const revoked = await tx
      .update(apiTokens)
      .set({ revokedAt: now })
      .where(and(eq(apiTokens.clusterId, clusterId), isNull(apiTokens.revokedAt)))
      .returning({ id: apiTokens.id });

    const released = await releaseMachines(
      tx,
      ctx,
      clusterId,
      assigned.filter((m) => !isInUse(m)),
    );
    await applyTransitions(
      tx,
      ctx,
      inUse.map((m) => ({
        machineId: m.id,
        from: m.status,
        to: "fault" as const,
        expectedVersion: m.version,
        reason: CLUSTER_DELETED_REASON,
        patch: { clusterId: null, poolId: null },
        metadata: { formerClusterId: clusterId, formerPoolId: m.poolId },
      })),
      { stateVersions },
    );
    // applyTransitions bumps the cluster when it moved machines out of it; otherwise bump here, last
    if (inUse.length === 0) {
      for (const [id, v] of await bumpStateVersions(tx, [clusterId])) stateVersions.set(id, v);
    }
    return {
      clusterId,
      name: deleted.name,
      deletedAt: now.toISOString(),
      releasedMachines: released,
      faultedMachines: inUse.length,
      revokedTokens: revoked.length,
    };
  });
  await publishStateVersions(ctx, stateVersions);
  await forgetAgentCredential(ctx, input.clusterId);
  return result;
}

function inUseConflict(clusterId: string, inUse: LockedMachine[]): AppError {
  const byStatus: Record<string, number> = {};
  for (const m of inUse) byStatus[m.status] = (byStatus[m.status] ?? 0) + 1;
  return new AppError(
    "conflict",
    `cluster ${clusterId} has ${inUse.length} machines in use; drain them first or delete with force=true`,
    { clusterId, inUse: inUse.length, inUseByStatus: byStatus },
  );
}

/** Detaches machines from the cluster without changing their state; one event per machine. */
async function releaseMachines(
  tx: Db,
  ctx: ServiceContext,
  clusterId: string,
  toRelease: LockedMachine[],
): Promise<number> {
  if (toRelease.length === 0) return 0;
  const now = ctx.clock.now();
  const rows = await tx
    .update(machines)
    .set({ clusterId: null, poolId: null, updatedAt: now, version: sql`${machines.version} + 1` })
    .where(
      and(
        inArray(
          machines.id,
          toRelease.map((m) => m.id),
        ),
        eq(machines.clusterId, clusterId),
      ),
    )
    .returning({ id: machines.id, status: machines.status, version: machines.version });
  const formerPool = new Map(toRelease.map((m) => [m.id, m.poolId]));
  await tx.insert(operations).values(
    rows.map((row) => ({
      kind: MACHINE_RELEASED_EVENT,
      status: "succeeded" as const,
      requestId: ctx.requestId,
      // the event stays in the deleted cluster's history
      clusterId,
      machineId: row.id,
      metadata: {
        reason: CLUSTER_DELETED_REASON,
        status: row.status,
        formerClusterId: clusterId,
        formerPoolId: formerPool.get(row.id) ?? null,
        actor: ctx.actor,
        version: row.version,
      },
      startedAt: now,
      endedAt: now,
    })),
  );
  return rows.length;
}
