/**
 * Soft-deletes a cluster without losing a machine. While machines are in use
 * the delete is refused unless forced; either way, in one transaction:
 * - machines not in use (available, fault, maintenance, archived) are
 *   detached through the guarded placement writer, keeping their state:
 *   available ones return to free inventory;
 * - in-use machines go to `fault` ("cluster deleted") through the state
 *   machine, detached too, so someone checks the host before reuse;
 * - the agent credential and registration token stop working, tokens scoped
 *   to the cluster are revoked, and the name becomes free;
 * - an imported kubeconfig (a credential to the whole cluster) and its last
 *   check are deleted, not kept behind a cluster nobody can reach;
 * - the audit row (`cluster.delete`) commits with all of it.
 *
 * Locks are taken pools → machines → cluster, the order reservations (pool →
 * machines → cluster) and machine transitions (machine → cluster) use, so a
 * delete racing them waits instead of deadlocking.
 */
import { and, asc, eq, isNull } from "drizzle-orm";
import {
  apiTokens,
  clusterKubeconfigs,
  clusterStates,
  clusters,
  machines,
  nodePools,
} from "../../../drizzle/schema/index.ts";
import { IN_USE_STATES } from "../../../proto/machine-states.ts";
import { AppError } from "../../lib/errors.ts";
import { forgetAgentCredential } from "../auth/agent-credential-cache.ts";
import type { ServiceCall } from "../context.ts";
import {
  MACHINE_RELEASED_EVENT,
  PLACEMENT_READ,
  type PlacementRead,
  writePlacements,
} from "../machines/placement-write.ts";
import { applyTransitions } from "../machines/transition-machine.ts";
import { withClusterWrite } from "../unit-of-work.ts";
import { clusterAudit } from "./cluster-audit.ts";
import { clusterNotFound, liveCluster } from "./cluster-view.ts";

export const CLUSTER_DELETED_REASON = "cluster deleted";
export { MACHINE_RELEASED_EVENT } from "../machines/placement-write.ts";

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

type LockedMachine = PlacementRead;

const isInUse = (m: LockedMachine) => IN_USE_STATES.includes(m.status);

export async function deleteCluster({
  ctx,
  input,
}: ServiceCall<DeleteClusterInput>): Promise<DeletedCluster> {
  const { clusterId } = input;
  const result = await withClusterWrite(ctx, async (tx, write) => {
    await liveCluster(tx, clusterId);
    await tx
      .select({ id: nodePools.id })
      .from(nodePools)
      .where(eq(nodePools.clusterId, clusterId))
      .orderBy(asc(nodePools.id))
      .for("update");
    const assigned: LockedMachine[] = await tx
      .select(PLACEMENT_READ)
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
    // also before the commit, so a crash before the delete after it cannot keep the credential cached
    await forgetAgentCredential(ctx, clusterId);

    const revoked = await tx
      .update(apiTokens)
      .set({ revokedAt: now })
      .where(and(eq(apiTokens.clusterId, clusterId), isNull(apiTokens.revokedAt)))
      .returning({ id: apiTokens.id });
    const kubeconfigs = await tx
      .delete(clusterKubeconfigs)
      .where(eq(clusterKubeconfigs.clusterId, clusterId))
      .returning({ clusterId: clusterKubeconfigs.clusterId });
    await tx.delete(clusterStates).where(eq(clusterStates.clusterId, clusterId));

    // detached with their state unchanged; the events stay in the deleted cluster's history
    const released = await writePlacements(
      tx,
      ctx,
      write,
      assigned
        .filter((m) => !isInUse(m))
        .map((m) => ({
          read: m,
          to: { clusterId: null, poolId: null },
          kind: MACHINE_RELEASED_EVENT,
          reason: CLUSTER_DELETED_REASON,
          metadata: { formerClusterId: clusterId, formerPoolId: m.poolId },
        })),
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
      { write },
    );
    // its agent must see the deletion even when no machine moved
    write.touch(clusterId);
    write.audit(
      clusterAudit("cluster.delete", clusterId, {
        force: input.force,
        releasedMachines: released.length,
        faultedMachines: inUse.length,
        kubeconfigRemoved: kubeconfigs.length > 0,
      }),
    );
    return {
      clusterId,
      name: deleted.name,
      deletedAt: now.toISOString(),
      releasedMachines: released.length,
      faultedMachines: inUse.length,
      revokedTokens: revoked.length,
    };
  });
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
