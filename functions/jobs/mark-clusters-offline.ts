/**
 * Active clusters whose agent went quiet become `offline`: no heartbeat for
 * `policy.heartbeatOfflineMs`, or none ever and registered (or, failing that,
 * created) longer ago than that. One guarded UPDATE (still active, not
 * deleted) and one `cluster.offline` event per cluster, in one transaction,
 * so a heartbeat that lands meanwhile wins and history matches state.
 */
import { sql } from "drizzle-orm";
import type { Db } from "../../drizzle/client.ts";
import { resultRows } from "../../drizzle/drivers/rows.ts";
import { operations } from "../../drizzle/schema/operations.ts";
import type { Job } from "./types.ts";

export const MARK_CLUSTERS_OFFLINE_JOB = "mark-clusters-offline";
export const CLUSTER_OFFLINE_EVENT = "cluster.offline";

export async function markClustersOffline(
  db: Db,
  input: { now: Date; offlineAfterMs: number; requestId: string },
): Promise<string[]> {
  const cutoff = new Date(input.now.getTime() - input.offlineAfterMs);
  return db.transaction(async (tx) => {
    const rows = resultRows<{ id: string; last_heartbeat_at: string | Date | null }>(
      await tx.execute(sql`
        update clusters set status = 'offline', updated_at = ${input.now.toISOString()}::timestamptz
        where status = 'active' and deleted_at is null
          and coalesce(last_heartbeat_at, registered_at, created_at) < ${cutoff.toISOString()}::timestamptz
        returning id, last_heartbeat_at`),
    );
    if (rows.length > 0) {
      await tx.insert(operations).values(
        rows.map((r) => ({
          kind: CLUSTER_OFFLINE_EVENT,
          status: "succeeded" as const,
          requestId: input.requestId,
          clusterId: r.id,
          metadata: {
            from: "active",
            to: "offline",
            reason: "no heartbeat",
            lastHeartbeatAt:
              r.last_heartbeat_at === null ? null : new Date(r.last_heartbeat_at).toISOString(),
            offlineAfterMs: input.offlineAfterMs,
            actor: "system",
          },
          startedAt: input.now,
          endedAt: input.now,
        })),
      );
    }
    return rows.map((r) => r.id);
  });
}

export const markClustersOfflineJob: Job = {
  name: MARK_CLUSTERS_OFFLINE_JOB,
  lockTtlMs: 60_000,
  async run(ctx) {
    const { db } = await ctx.database();
    const ids = await markClustersOffline(db, {
      now: ctx.clock.now(),
      offlineAfterMs: ctx.policy.heartbeatOfflineMs,
      requestId: ctx.runId,
    });
    if (ids.length > 0) ctx.logger.warn("clusters marked offline", { clusterIds: ids });
  },
};
