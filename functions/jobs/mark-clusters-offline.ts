/**
 * Active clusters whose agent went quiet become `offline`: no heartbeat for
 * `policy.heartbeatOfflineMs`, or none ever and registered (or, failing that,
 * created) longer ago than that. One guarded UPDATE (still active, not
 * deleted), one `cluster.offline` event, one `cluster.offline` audit row
 * (actor "system") and the `cluster.offline` notifications per cluster, in
 * one transaction, so a heartbeat that lands meanwhile wins, and history, the
 * audit log and what people are told match state.
 */
import { sql } from "drizzle-orm";
import { resultRows } from "../../drizzle/drivers/rows.ts";
import { operations } from "../../drizzle/schema/operations.ts";
import { markWorkChanged } from "../lib/coordination/work-token.ts";
import type { ServiceContext } from "../services/context.ts";
import { enqueueNotifications } from "../services/notifications/enqueue-notification.ts";
import { withClusterWrite } from "../services/unit-of-work.ts";
import { markerCheck, readWorkToken, rememberIdle } from "./idle.ts";
import { jobServiceContext } from "./job-context.ts";
import type { Job } from "./types.ts";

export const MARK_CLUSTERS_OFFLINE_JOB = "mark-clusters-offline";
export const CLUSTER_OFFLINE_EVENT = "cluster.offline";
export const CLUSTER_OFFLINE_ACTION = "cluster.offline";

export async function markClustersOffline(
  ctx: ServiceContext,
  input: { offlineAfterMs: number },
): Promise<string[]> {
  const now = ctx.clock.now();
  const cutoff = new Date(now.getTime() - input.offlineAfterMs);
  // a cluster's status is not part of its agent's state: no state version bump
  return withClusterWrite(ctx, async (tx, write) => {
    const rows = resultRows<{ id: string; name: string; last_heartbeat_at: string | Date | null }>(
      await tx.execute(sql`
        update clusters set status = 'offline', updated_at = ${now.toISOString()}::timestamptz
        where status = 'active' and deleted_at is null
          and coalesce(last_heartbeat_at, registered_at, created_at) < ${cutoff.toISOString()}::timestamptz
        returning id, name, last_heartbeat_at`),
    );
    const offline = rows.map((r) => ({
      clusterId: r.id,
      name: r.name,
      facts: {
        from: "active",
        to: "offline",
        reason: "no heartbeat",
        lastHeartbeatAt: r.last_heartbeat_at === null ? null : new Date(r.last_heartbeat_at).toISOString(),
        offlineAfterMs: input.offlineAfterMs,
      },
    }));
    if (offline.length > 0) {
      await tx.insert(operations).values(
        offline.map(({ clusterId, facts }) => ({
          kind: CLUSTER_OFFLINE_EVENT,
          status: "succeeded" as const,
          requestId: ctx.requestId,
          clusterId,
          metadata: { ...facts, actor: ctx.actor },
          startedAt: now,
          endedAt: now,
        })),
      );
    }
    // a cluster may go offline again after it came back: the moment tells the two apart
    await enqueueNotifications(
      tx,
      offline.map(({ clusterId, name, facts }) => ({
        eventType: CLUSTER_OFFLINE_EVENT,
        subjectId: clusterId,
        occurrence: now.toISOString(),
        data: { clusterId, clusterName: name, ...facts },
      })),
      now,
    );
    for (const { clusterId, facts } of offline) {
      write.audit({
        action: CLUSTER_OFFLINE_ACTION,
        resourceType: "cluster",
        resourceId: clusterId,
        clusterId,
        changes: facts,
      });
    }
    return rows.map((r) => r.id);
  });
}

/**
 * The earliest moment an active cluster can fall silent for `offlineAfterMs`, or null when no
 * cluster is active. Its liveness only moves forward (heartbeats), so it can only come later.
 */
async function nextOfflineDeadline(ctx: ServiceContext, offlineAfterMs: number): Promise<number | null> {
  const [row] = resultRows<{ at: string | Date | null }>(
    await ctx.db.execute(sql`
      select min(coalesce(last_heartbeat_at, registered_at, created_at)) as at
      from clusters where status = 'active' and deleted_at is null`),
  );
  return row?.at ? new Date(row.at).getTime() + offlineAfterMs : null;
}

/**
 * Idle until the earliest deadline found, but never past one offline threshold after the look: a
 * cluster that becomes active later (a heartbeat after an outage, a registration) has its deadline
 * later than that. With no active cluster at all, idle while nothing was written: registration is
 * a /v1 write and a heartbeat that re-activates a cluster replaces the work token
 * (services/agent/heartbeat.ts).
 */
export const markClustersOfflineJob: Job = {
  name: MARK_CLUSTERS_OFFLINE_JOB,
  lockTtlMs: 60_000,
  idle: markerCheck(MARK_CLUSTERS_OFFLINE_JOB, (marker, view) =>
    marker.none === true ? true : typeof marker.until === "number" && view.now.getTime() < marker.until,
  ),
  async run(ctx) {
    const token = await readWorkToken(ctx);
    const service = await jobServiceContext(ctx);
    const offlineAfterMs = ctx.policy.heartbeatOfflineMs;
    const ids = await markClustersOffline(service, { offlineAfterMs });
    if (ids.length > 0) {
      ctx.logger.warn("clusters marked offline", { clusterIds: ids });
      // their cluster.offline notifications wait in the outbox
      await markWorkChanged(ctx.coordination, ctx.logger);
    }
    const deadline = await nextOfflineDeadline(service, offlineAfterMs);
    if (deadline === null) {
      await rememberIdle(ctx, MARK_CLUSTERS_OFFLINE_JOB, { none: true }, token);
    } else {
      const until = Math.min(deadline, ctx.clock.now().getTime() + offlineAfterMs);
      await rememberIdle(ctx, MARK_CLUSTERS_OFFLINE_JOB, { until }, "time-only");
    }
  },
};
