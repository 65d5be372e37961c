/**
 * GET /v1/agent/state. An idle poll is answered before authentication by
 * `confirmIdlePoll` (middleware/idle-agent-poll.ts): one coordination round
 * trip, no Postgres. Otherwise in two steps, still off Postgres while unchanged:
 * `agentStateTag` answers from the state-version cache (the ETag), and only
 * when it differs from the agent's does `loadAgentState` read the pools and
 * machines, together with the version, in one repeatable-read snapshot — the
 * version in the body therefore always describes exactly that body.
 */
import { asc, eq, sql } from "drizzle-orm";
import { clusters, machines, nodePools } from "../../../drizzle/schema/index.ts";
import type { AgentState } from "../../../proto/agent-api.ts";
import type { RateLimitResult } from "../../lib/coordination/types.ts";
import { AppError } from "../../lib/errors.ts";
import { agentCredentialCacheKey, cachedClusterOf } from "../auth/agent-credential-cache.ts";
import { currentStateVersion, stateVersionCacheKey } from "../clusters/state-version.ts";
import type { ServiceCall, ServiceContext } from "../context.ts";
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

/** The cluster and version one of our tags names, or null for anything else (a list, `*`, a foreign tag). */
export function parseStateEtag(
  ifNoneMatch: string | undefined,
): { clusterId: string; version: number } | null {
  const match = /^\s*(?:W\/)?"([^":,\s]+):(\d{1,15})"\s*$/.exec(ifNoneMatch ?? "");
  if (!match) return null;
  return { clusterId: match[1]!, version: Number(match[2]) };
}

export type IdlePollAnswer =
  /** credential and version as the agent says: 304, without Postgres */
  | { unchanged: true; rate: RateLimitResult }
  /** anything else (a miss, a change, another cluster): answer through the full path */
  | { unchanged: false };

/**
 * An idle poll in ONE coordination round trip: the credential's cache entry, the cluster's
 * cached state version and the caller's rate window (the same as the /v1 limiter's
 * `ratelimit:agent:<clusterId>`), read and counted together. "Unchanged" only when the cached
 * credential names the cluster of the agent's tag and the cached version is the tag's.
 */
export async function confirmIdlePoll(
  ctx: Pick<ServiceContext, "coordination">,
  input: {
    credentialHash: string;
    tag: { clusterId: string; version: number };
    rate: { limit: number; windowMs: number };
  },
): Promise<IdlePollAnswer> {
  const { coordination } = ctx;
  if (!coordination.sharedAcrossReplicas) return { unchanged: false };
  const { clusterId, version } = input.tag;
  const { values, rate } = await coordination.cacheGetManyCounted(
    [agentCredentialCacheKey(input.credentialHash), stateVersionCacheKey(clusterId)],
    { key: `ratelimit:agent:${clusterId}`, ...input.rate },
  );
  const unchanged = cachedClusterOf(values[0]) === clusterId && values[1] === version;
  return unchanged ? { unchanged, rate } : { unchanged: false };
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
