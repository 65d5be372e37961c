/**
 * An agent's heartbeat: one UPDATE of the cluster row (liveness, versions,
 * status back to active). It runs every few seconds per cluster, so it does
 * nothing else; the node counts and leader are logged at debug level only.
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
      status: "active",
    })
    .where(and(eq(clusters.id, input.clusterId), isNull(clusters.deletedAt)))
    .returning({ stateVersion: clusters.stateVersion });
  if (!row)
    throw new AppError("not_found", `cluster ${input.clusterId} not found`, { clusterId: input.clusterId });
  ctx.logger.debug("agent heartbeat", {
    clusterId: input.clusterId,
    nodeCounts: input.nodeCounts,
    leader: input.leader.identity,
  });
  return { receivedAt: now.toISOString(), stateVersion: row.stateVersion };
}
