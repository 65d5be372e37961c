/**
 * An agent's heartbeat: one UPDATE of the cluster row (liveness, versions,
 * the Node counts and leader it reports, status back to active). It runs
 * every few seconds per cluster, so it does nothing else.
 */
import { and, eq, isNull } from "drizzle-orm";
import { clusters } from "../../../drizzle/schema/clusters.ts";
import type { HeartbeatRequest, HeartbeatResponse } from "../../../proto/agent-api.ts";
import { AppError } from "../../lib/errors.ts";
import type { ServiceCall } from "../context.ts";

export interface HeartbeatInput extends HeartbeatRequest {
  clusterId: string;
}

export async function recordHeartbeat({
  ctx,
  input,
}: ServiceCall<HeartbeatInput>): Promise<HeartbeatResponse> {
  const now = ctx.clock.now();
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
    .returning({ stateVersion: clusters.stateVersion });
  if (!row)
    throw new AppError("not_found", `cluster ${input.clusterId} not found`, { clusterId: input.clusterId });
  return { receivedAt: now.toISOString(), stateVersion: row.stateVersion };
}
