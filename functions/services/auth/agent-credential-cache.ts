/**
 * Agent credential → cluster, cached in the coordination store so an idle
 * agent poll (authenticate + ETag check) never reaches Postgres. Every code
 * path that replaces or clears a cluster's credential calls
 * `forgetAgentCredential` after its commit; the TTL bounds what a lost
 * invalidation (a crash between commit and forget) could leave behind.
 *
 * The cache is used only when the store is shared by every replica (Upstash,
 * or embedded PGlite's single process). An in-process store beside a shared
 * Postgres never hears of a rotation or deletion made by another replica, so
 * there every agent request is authenticated by one lookup on the unique
 * index of `clusters.agent_credential_hash`: a rotation, re-registration or
 * deletion is refused by every replica from its commit on.
 */
import type { ServiceContext } from "../context.ts";

export const AGENT_CREDENTIAL_CACHE_TTL_MS = 30_000;

const byHash = (hash: string) => `auth:agent:${hash}`;
const byCluster = (clusterId: string) => `auth:agent-cluster:${clusterId}`;

type Ctx = Pick<ServiceContext, "coordination" | "logger">;

export async function cachedAgentCluster(ctx: Ctx, hash: string): Promise<string | null> {
  if (!ctx.coordination.sharedAcrossReplicas) return null;
  const hit = await ctx.coordination.cacheGet<{ clusterId: string }>(byHash(hash)).catch(() => null);
  return hit?.clusterId ?? null;
}

export async function rememberAgentCredential(ctx: Ctx, hash: string, clusterId: string): Promise<void> {
  if (!ctx.coordination.sharedAcrossReplicas) return;
  try {
    await ctx.coordination.cacheSet(byCluster(clusterId), hash, AGENT_CREDENTIAL_CACHE_TTL_MS);
    await ctx.coordination.cacheSet(byHash(hash), { clusterId }, AGENT_CREDENTIAL_CACHE_TTL_MS);
  } catch (err) {
    ctx.logger.warn("agent credential cache write failed", { clusterId, error: err });
  }
}

/** After a rotation, re-registration or deletion of the cluster has committed. */
export async function forgetAgentCredential(ctx: Ctx, clusterId: string): Promise<void> {
  const hash = await ctx.coordination.cacheGet<string>(byCluster(clusterId)).catch(() => null);
  await Promise.all([
    ctx.coordination.cacheDelete(byCluster(clusterId)),
    typeof hash === "string" ? ctx.coordination.cacheDelete(byHash(hash)) : Promise.resolve(),
  ]).catch((err: unknown) =>
    ctx.logger.error("agent credential cache invalidation failed", { clusterId, error: err }),
  );
}
