/**
 * What the day's strategy run evaluates: every (enabled strategy, pool in its
 * scope) pair, over pools of live (not deleted) clusters. Scope as
 * services/strategies/strategy-scope.ts defines it: `scopeClusterIds` limits
 * the clusters (empty: all), `scopePoolIds` the pools (empty: all of them).
 * One query, in a stable order: cluster by cluster, each cluster's
 * strategies side by side. A delivery batch then mixes strategies, so the
 * pools that trigger an entry (all drawing on the one free inventory, whose
 * candidate lock they take in turn: strategy-candidates.ts) are spread over
 * the batches instead of queued up in the same few.
 */
import { sql } from "drizzle-orm";
import type { Db } from "../../drizzle/client.ts";
import { resultRows } from "../../drizzle/drivers/rows.ts";

export interface StrategyPoolPair {
  strategyId: string;
  clusterId: string;
  poolId: string;
}

export async function strategyTargets(db: Db): Promise<StrategyPoolPair[]> {
  const rows = resultRows<{ strategy_id: string; cluster_id: string; pool_id: string }>(
    await db.execute(sql`
      select s.id as strategy_id, p.cluster_id, p.id as pool_id
      from strategies s
      join node_pools p
        on (s.scope_cluster_ids = '[]'::jsonb or s.scope_cluster_ids @> jsonb_build_array(p.cluster_id::text))
       and (s.scope_pool_ids = '[]'::jsonb or s.scope_pool_ids @> jsonb_build_array(p.id::text))
      join clusters c on c.id = p.cluster_id and c.deleted_at is null
      where s.status = 'enabled'
      order by p.cluster_id, s.id, p.id`),
  );
  return rows.map((r) => ({ strategyId: r.strategy_id, clusterId: r.cluster_id, poolId: r.pool_id }));
}

/** The same scope rule for one pool, checked again when its message arrives (the strategy may have changed). */
export function poolInScope(
  scope: { scopeClusterIds: readonly string[]; scopePoolIds: readonly string[] },
  pool: { id: string; clusterId: string },
): boolean {
  const clusterOk = scope.scopeClusterIds.length === 0 || scope.scopeClusterIds.includes(pool.clusterId);
  const poolOk = scope.scopePoolIds.length === 0 || scope.scopePoolIds.includes(pool.id);
  return clusterOk && poolOk;
}
