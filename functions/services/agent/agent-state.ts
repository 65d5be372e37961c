/**
 * GET /v1/agent/state in two steps, so an idle poll stays off Postgres:
 * `agentStateTag` answers from the state-version cache (the ETag), and only
 * when it differs from the agent's does `loadAgentState` read the pools and
 * machines, together with the version, in one repeatable-read snapshot — the
 * version in the body therefore always describes exactly that body.
 */
import { asc, eq, sql } from "drizzle-orm";
import { clusters, machines, nodePools } from "../../../drizzle/schema/index.ts";
import type { AgentState } from "../../../proto/agent-api.ts";
import { AppError } from "../../lib/errors.ts";
import { currentStateVersion } from "../clusters/state-version.ts";
import type { ServiceCall } from "../context.ts";
import { agentMachineView, agentPoolView } from "./agent-views.ts";

const clusterGone = (clusterId: string) =>
  new AppError("not_found", `cluster ${clusterId} not found`, { clusterId });

/** Weak: a version names the state, not the exact bytes of its JSON. */
export function stateEtag(clusterId: string, stateVersion: number): string {
  return `W/"${clusterId}:${stateVersion}"`;
}

/** RFC 9110 If-None-Match with weak comparison: `*`, or any listed tag equal to ours (W/ ignored). */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, "");
  const ours = opaque(etag);
  return ifNoneMatch.split(",").some((tag) => tag.trim() === "*" || opaque(tag) === ours);
}

/** The current ETag of the cluster's state: cache first, Postgres only on a cache miss. */
export async function agentStateTag({ ctx, input }: ServiceCall<{ clusterId: string }>): Promise<string> {
  const version = await currentStateVersion(ctx, input.clusterId);
  if (version === null) throw clusterGone(input.clusterId);
  return stateEtag(input.clusterId, version);
}

export async function loadAgentState({
  ctx,
  input,
}: ServiceCall<{ clusterId: string }>): Promise<AgentState> {
  const { clusterId } = input;
  return ctx.db.transaction(
    async (tx) => {
      const [cluster] = await tx
        .select({ stateVersion: clusters.stateVersion })
        .from(clusters)
        .where(sql`${clusters.id} = ${clusterId} and ${clusters.deletedAt} is null`);
      if (!cluster) throw clusterGone(clusterId);
      const pools = await tx
        .select()
        .from(nodePools)
        .where(eq(nodePools.clusterId, clusterId))
        .orderBy(asc(nodePools.name));
      const rows = await tx
        .select()
        .from(machines)
        .where(eq(machines.clusterId, clusterId))
        .orderBy(asc(machines.id));
      return {
        clusterId,
        stateVersion: cluster.stateVersion,
        pools: pools.map(agentPoolView),
        machines: rows.map(agentMachineView),
      };
    },
    { isolationLevel: "repeatable read", accessMode: "read only" },
  );
}
