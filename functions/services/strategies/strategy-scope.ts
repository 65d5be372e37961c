/**
 * A strategy's scope and who may see the strategy.
 *
 * Scope: `clusterIds` restricts the clusters a strategy evaluates (empty:
 * every cluster), `poolIds` the pools (empty: every pool of those clusters).
 * A listed pool must lie in a listed cluster when clusters are listed: a pool
 * outside them would never be evaluated, which is a mistake worth a 400.
 *
 * Visibility: a cluster-scoped token sees a strategy that can act on its
 * cluster (an empty scope, its cluster listed, or one of its pools listed),
 * and of its scope only its own cluster and pools: ids of other clusters are
 * not its to learn.
 */
import { and, eq, inArray, isNull, or, type SQL, sql } from "drizzle-orm";
import type { Db } from "../../../drizzle/client.ts";
import { clusters, nodePools, type Strategy, strategies } from "../../../drizzle/schema/index.ts";
import { AppError } from "../../lib/errors.ts";
import { isUuid } from "../machines/ids.ts";
import type { StrategyScope } from "./strategy-rules.ts";
import { type StrategyView, strategyNotFound } from "./strategy-view.ts";

/** Refuses a scope naming a cluster or pool that does not exist, naming its place (`scope.poolIds[2]`). */
export async function assertScopeExists(db: Db, scope: StrategyScope): Promise<void> {
  if (scope.clusterIds.length > 0) {
    const rows = await db
      .select({ id: clusters.id })
      .from(clusters)
      .where(and(inArray(clusters.id, scope.clusterIds), isNull(clusters.deletedAt)));
    const found = new Set(rows.map((r) => r.id));
    for (const [i, id] of scope.clusterIds.entries()) {
      if (!found.has(id)) throw scopeInvalid(`scope.clusterIds[${i}]`, `cluster ${id} not found`);
    }
  }
  if (scope.poolIds.length > 0) {
    const rows = await db
      .select({ id: nodePools.id, clusterId: nodePools.clusterId })
      .from(nodePools)
      .innerJoin(clusters, and(eq(clusters.id, nodePools.clusterId), isNull(clusters.deletedAt)))
      .where(inArray(nodePools.id, scope.poolIds));
    const clusterOf = new Map(rows.map((r) => [r.id, r.clusterId]));
    for (const [i, id] of scope.poolIds.entries()) {
      const path = `scope.poolIds[${i}]`;
      const cluster = clusterOf.get(id);
      if (cluster === undefined) throw scopeInvalid(path, `pool ${id} not found`);
      if (scope.clusterIds.length > 0 && !scope.clusterIds.includes(cluster)) {
        throw scopeInvalid(
          path,
          `pool ${id} is in cluster ${cluster}, which scope.clusterIds leaves out, so it would never be evaluated`,
        );
      }
    }
  }
}

function scopeInvalid(path: string, why: string): AppError {
  return new AppError("validation_failed", `${path}: ${why}`, { path });
}

/** Strategies that can act on `clusterId` (see the header). */
export function actsOnCluster(clusterId: string): SQL {
  const listed = sql`jsonb_build_array(${clusterId}::text)`;
  const poolOfCluster = sql`exists (select 1 from ${nodePools} where ${nodePools.clusterId} = ${clusterId}::uuid
    and ${strategies.scopePoolIds} @> jsonb_build_array(${nodePools.id}::text))`;
  const noClusters = sql`${strategies.scopeClusterIds} = '[]'::jsonb`;
  return or(
    and(noClusters, sql`${strategies.scopePoolIds} = '[]'::jsonb`),
    sql`${strategies.scopeClusterIds} @> ${listed}`,
    and(noClusters, poolOfCluster),
  )!;
}

/** The strategy row, if `visible` (a token's cluster; null: every cluster) may see it; else not_found. */
export async function findStrategy(
  db: Db,
  id: string,
  visible: string | null,
  options: { lock?: boolean } = {},
): Promise<Strategy> {
  if (!isUuid(id)) throw strategyNotFound(id);
  const query = db
    .select()
    .from(strategies)
    .where(and(eq(strategies.id, id), visible === null ? undefined : actsOnCluster(visible)));
  const [row] = options.lock ? await query.for("update") : await query;
  if (!row) throw strategyNotFound(id);
  return row;
}

/** The views as `visible` may see them: for a scoped token, its own cluster and pools only. */
export async function scopedViews(
  db: Db,
  views: StrategyView[],
  visible: string | null,
): Promise<StrategyView[]> {
  if (visible === null) return views;
  const poolIds = [...new Set(views.flatMap((v) => v.scope.poolIds))];
  const own =
    poolIds.length === 0
      ? new Set<string>()
      : new Set(
          (
            await db
              .select({ id: nodePools.id })
              .from(nodePools)
              .where(and(eq(nodePools.clusterId, visible), inArray(nodePools.id, poolIds)))
          ).map((r) => r.id),
        );
  return views.map((v) => ({
    ...v,
    scope: {
      clusterIds: v.scope.clusterIds.filter((id) => id === visible),
      poolIds: v.scope.poolIds.filter((id) => own.has(id)),
    },
  }));
}
