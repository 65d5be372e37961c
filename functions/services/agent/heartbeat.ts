/**
 * An agent's heartbeat: liveness, versions, the Node counts and leader it
 * reports, status back to active, in one UPDATE of the cluster row.
 *
 * An unchanged heartbeat is cheap: where the coordination store is shared,
 * the row is written only when what the agent reports changed, or when the
 * last write is `writeEveryMs` old (a marker per cluster says what was written
 * and when). Between writes the answer comes from one coordination read (the
 * marker and the cached state version together), without Postgres.
 *
 * Health stays right because `last_heartbeat_at` is never older than
 * `writeEveryMs` plus the agent's interval while the agent beats: the route
 * sets `writeEveryMs` to half the degraded threshold (30 s of 60 s by default,
 * with the agent's 20 s interval a stored age of at most 50 s), and offline
 * comes five times later. A lost marker only means one write more. Each write
 * republishes the state version it read, which heals a lost publication.
 * A heartbeat that brings a cluster back to active replaces the scheduled
 * jobs' work token (offline detection idles while no cluster is active).
 */
import { and, eq, isNull, sql } from "drizzle-orm";
import { clusters } from "../../../drizzle/schema/clusters.ts";
import type { HeartbeatRequest, HeartbeatResponse } from "../../../proto/agent-api.ts";
import { markWorkChanged } from "../../lib/coordination/work-token.ts";
import { AppError } from "../../lib/errors.ts";
import { publishStateVersions, stateVersionCacheKey } from "../clusters/state-version.ts";
import type { ServiceCall, ServiceContext } from "../context.ts";

export interface HeartbeatInput extends HeartbeatRequest {
  clusterId: string;
  /** write the row at most this often while the report is unchanged; absent: every time */
  writeEveryMs?: number;
}

export const heartbeatMarkerKey = (clusterId: string) => `agent-heartbeat:${clusterId}`;

interface Marker {
  /** what the last write stored */
  report: string;
  /** when (epoch ms, the control plane's clock) */
  at: number;
}

const reportOf = (input: HeartbeatInput) =>
  JSON.stringify([
    input.agentVersion,
    input.kubernetesVersion,
    input.nodeCounts.total,
    input.nodeCounts.ready,
    input.leader.identity,
    input.leader.since,
  ]);

/** The cached version when the last write stored this very report recently enough; else null. */
async function unchangedVersion(
  ctx: ServiceContext,
  input: HeartbeatInput,
  now: number,
): Promise<number | null> {
  const { coordination } = ctx;
  if (!input.writeEveryMs || !coordination.sharedAcrossReplicas) return null;
  const [marker, version] = await coordination
    .cacheGetMany([heartbeatMarkerKey(input.clusterId), stateVersionCacheKey(input.clusterId)])
    .catch(() => [null, null]);
  const m = marker as Marker | null;
  const fresh =
    m !== null && m.report === reportOf(input) && now - m.at >= 0 && now - m.at < input.writeEveryMs;
  return fresh && typeof version === "number" ? version : null;
}

export async function recordHeartbeat({
  ctx,
  input,
}: ServiceCall<HeartbeatInput>): Promise<HeartbeatResponse> {
  const now = ctx.clock.now();
  const cached = await unchangedVersion(ctx, input, now.getTime());
  if (cached !== null) return { receivedAt: now.toISOString(), stateVersion: cached };
  const [row] = await ctx.db
    .update(clusters)
    .set({
      lastHeartbeatAt: now,
      agentVersion: input.agentVersion,
      kubernetesVersion: input.kubernetesVersion,
      nodeCountTotal: input.nodeCounts.total,
      nodeCountReady: input.nodeCounts.ready,
      nodeCountsReportedAt: now,
      leaderIdentity: input.leader.identity,
      leaderSince: new Date(input.leader.since),
      status: "active",
    })
    .where(and(eq(clusters.id, input.clusterId), isNull(clusters.deletedAt)))
    // a subquery in RETURNING reads the row as it was before this statement
    .returning({
      stateVersion: clusters.stateVersion,
      // spelled out: drizzle renders a column unqualified here, which the subquery would take as its own
      wasActive: sql<boolean>`(select c.status = 'active' from clusters c where c.id = "clusters"."id")`,
    });
  if (!row)
    throw new AppError("not_found", `cluster ${input.clusterId} not found`, { clusterId: input.clusterId });
  // back from offline (or first active): offline detection has a cluster to watch again (jobs/idle.ts)
  if (!row.wasActive) await markWorkChanged(ctx.coordination, ctx.logger);
  if (input.writeEveryMs && ctx.coordination.sharedAcrossReplicas) {
    const marker: Marker = { report: reportOf(input), at: now.getTime() };
    await Promise.all([
      ctx.coordination
        .cacheSet(heartbeatMarkerKey(input.clusterId), marker, input.writeEveryMs)
        .catch((err: unknown) => ctx.logger.warn("heartbeat marker write failed", { error: err })),
      publishStateVersions(ctx, new Map([[input.clusterId, row.stateVersion]]), { workChanged: false }),
    ]);
  }
  return { receivedAt: now.toISOString(), stateVersion: row.stateVersion };
}
