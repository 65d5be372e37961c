/**
 * A cluster's state version backs the agent's ETag on GET /v1/agent/state.
 * Every change an agent must see bumps it in the SAME transaction as the
 * change, so the version can never claim state that was rolled back. After
 * the commit, the writer publishes the new version to the cache (write-through),
 * so idle agent polls are answered from Redis without touching Postgres.
 *
 * Publishing only ever raises the cached number (Coordination.cacheRaise):
 * writers, and readers filling a miss, may publish in any order after their
 * commits and the highest version stays. So the entry needs no short TTL to
 * heal; its TTL is a safety net against a lost publication (Redis failed right
 * after a commit): a day, and sooner through the agent's heartbeat, whose
 * Postgres write republishes the version it reads (services/agent/heartbeat.ts).
 *
 * A cache only one replica sees (in-process, with several replicas on one
 * Postgres) would answer another replica's change "not modified": then the
 * version is read from Postgres on every poll (one primary-key read), exactly
 * as rotated credentials are (auth/agent-credential-cache.ts).
 *
 * Every publication also replaces the jobs' work token (lib/coordination/
 * work-token.ts): a cluster write is what creates work for the scheduled jobs.
 */
import { inArray, sql } from "drizzle-orm";
import type { Db } from "../../../drizzle/client.ts";
import { clusters } from "../../../drizzle/schema/clusters.ts";
import { markWorkChanged } from "../../lib/coordination/work-token.ts";
import type { ServiceContext } from "../context.ts";

export const STATE_VERSION_CACHE_TTL_MS = 86_400_000;
export const stateVersionCacheKey = (clusterId: string) => `cluster-state-version:${clusterId}`;

/**
 * Bumps the versions of the given clusters inside the caller's transaction.
 * Call it as the LAST statement of the transaction: it locks the cluster rows
 * until commit, and ordering by id keeps concurrent writers deadlock-free.
 */
export async function bumpStateVersions(
  tx: Db,
  clusterIds: Iterable<string | null | undefined>,
): Promise<Map<string, number>> {
  const ids = [...new Set([...clusterIds].filter((id): id is string => typeof id === "string"))].sort();
  const versions = new Map<string, number>();
  if (ids.length === 0) return versions;
  const rows = await tx
    .update(clusters)
    .set({ stateVersion: sql`${clusters.stateVersion} + 1` })
    .where(inArray(clusters.id, ids))
    .returning({ id: clusters.id, stateVersion: clusters.stateVersion });
  for (const row of rows) versions.set(row.id, row.stateVersion);
  return versions;
}

/** After commit: make the new versions visible to idle polls. Cache failures only cost a DB read later. */
export async function publishStateVersions(
  ctx: Pick<ServiceContext, "coordination" | "logger">,
  versions: ReadonlyMap<string, number>,
  opts: { workChanged?: boolean } = {},
): Promise<void> {
  if (!ctx.coordination.sharedAcrossReplicas || versions.size === 0) return;
  await Promise.all([
    ...[...versions].map(([clusterId, version]) =>
      ctx.coordination
        .cacheRaise(stateVersionCacheKey(clusterId), version, STATE_VERSION_CACHE_TTL_MS)
        .catch((err: unknown) =>
          ctx.logger.warn("state version cache write failed", { clusterId, error: err }),
        ),
    ),
    ...(opts.workChanged === false ? [] : [markWorkChanged(ctx.coordination, ctx.logger)]),
  ]);
}

/** The current version: from the cache when present, else from Postgres (and cached). */
export async function currentStateVersion(ctx: ServiceContext, clusterId: string): Promise<number | null> {
  if (ctx.coordination.sharedAcrossReplicas) {
    const cached = await ctx.coordination.cacheGet<number>(stateVersionCacheKey(clusterId)).catch(() => null);
    if (typeof cached === "number") return cached;
  }
  const [row] = await ctx.db
    .select({ stateVersion: clusters.stateVersion })
    .from(clusters)
    .where(sql`${clusters.id} = ${clusterId} and ${clusters.deletedAt} is null`);
  if (!row) return null;
  // a read, not a write: nothing new for the jobs
  await publishStateVersions(ctx, new Map([[clusterId, row.stateVersion]]), { workChanged: false });
  return row.stateVersion;
}
