/**
 * Agent credential → cluster, cached in the coordination store so an idle
 * agent poll (authenticate + ETag check) never reaches Postgres. The entry is
 * written through on the first use of a credential and removed by every code
 * path that replaces or clears it (rotation, re-registration, deletion) both
 * inside its transaction and right after its commit (`forgetAgentCredential`),
 * so an unchanged credential is never re-read from Postgres because time
 * passed, and a process dying between the commit and the second delete leaves
 * nothing behind.
 *
 * The TTL is only a safety net: it bounds what a lost invalidation (Redis
 * failing at both deletes; logged as an error) could leave behind, at the
 * price of one indexed read per cluster per TTL. A day keeps Neon asleep for
 * an idle fleet.
 *
 * The cache is used only when the store is shared by every replica (Upstash,
 * or embedded PGlite's single process). An in-process store beside a shared
 * Postgres never hears of a rotation or deletion made by another replica, so
 * there every agent request is authenticated by one lookup on the unique
 * index of `clusters.agent_credential_hash`: a rotation, re-registration or
 * deletion is refused by every replica from its commit on.
 */
import type { ServiceContext } from "../context.ts";

export const AGENT_CREDENTIAL_CACHE_TTL_MS = 86_400_000;

/** The entry an idle poll reads (with the state version) in one round trip; it holds `{clusterId}`. */
export const agentCredentialCacheKey = (hash: string) => `auth:agent:${hash}`;
const byCluster = (clusterId: string) => `auth:agent-cluster:${clusterId}`;

type Ctx = Pick<ServiceContext, "coordination" | "logger">;

/** The cluster a cached entry names, or null for anything else. */
export function cachedClusterOf(entry: unknown): string | null {
  const clusterId = (entry as { clusterId?: unknown } | null)?.clusterId;
  return typeof clusterId === "string" ? clusterId : null;
}

export async function cachedAgentCluster(ctx: Ctx, hash: string): Promise<string | null> {
  if (!ctx.coordination.sharedAcrossReplicas) return null;
  return cachedClusterOf(await ctx.coordination.cacheGet(agentCredentialCacheKey(hash)).catch(() => null));
}

export async function rememberAgentCredential(ctx: Ctx, hash: string, clusterId: string): Promise<void> {
  if (!ctx.coordination.sharedAcrossReplicas) return;
  try {
    // the index first: whoever forgets the credential must be able to find its entry
    await ctx.coordination.cacheSet(byCluster(clusterId), hash, AGENT_CREDENTIAL_CACHE_TTL_MS);
    await ctx.coordination.cacheSet(
      agentCredentialCacheKey(hash),
      { clusterId },
      AGENT_CREDENTIAL_CACHE_TTL_MS,
    );
  } catch (err) {
    ctx.logger.warn("agent credential cache write failed", { clusterId, error: err });
  }
}

/** After a rotation, re-registration or deletion of the cluster has committed. */
export async function forgetAgentCredential(ctx: Ctx, clusterId: string): Promise<void> {
  const hash = await ctx.coordination.cacheGet<string>(byCluster(clusterId)).catch(() => null);
  await Promise.all([
    ctx.coordination.cacheDelete(byCluster(clusterId)),
    typeof hash === "string"
      ? ctx.coordination.cacheDelete(agentCredentialCacheKey(hash))
      : Promise.resolve(),
  ]).catch((err: unknown) =>
    ctx.logger.error("agent credential cache invalidation failed", { clusterId, error: err }),
  );
}
