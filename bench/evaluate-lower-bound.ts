/**
 * The lower bound of `npm run bench -- evaluate`: ONE SQL query that computes,
 * for every (enabled strategy, pool in its scope) and each metric the
 * strategy considers, the length of the unbroken run of daily snapshots past
 * the threshold that ends on the run's last day — the part of the evaluation
 * that grows with the data, with no per-pool round trip, no decision, no
 * history row, no order. Gaps and islands: among the days past the
 * threshold, consecutive days share `day - row_number()`; the island that
 * ends on the last day is the run.
 */
import type pg from "pg";

export interface RunLength {
  strategyId: string;
  poolId: string;
  metric: "cpu" | "memory";
  runDays: number;
}

const PAST = (metric: "cpu" | "memory") => {
  const m = metric === "cpu" ? "cpu_millis" : "memory_bytes";
  const value = `(case s.${metric}_threshold_type when 'usage' then r.usage_${m} else r.requested_${m} end)
      * 100.0 / nullif(r.allocatable_${m}, 0)`;
  return `s.${metric}_threshold is not null and case s.action
      when 'pool_entry' then ${value} > s.${metric}_threshold
      else ${value} < s.${metric}_threshold end`;
};

export const LOWER_BOUND_SQL = `
  with targets as (
    select s.*, p.id as pool_id, p.cluster_id
    from strategies s
    join node_pools p
      on (s.scope_cluster_ids = '[]'::jsonb or s.scope_cluster_ids @> jsonb_build_array(p.cluster_id::text))
     and (s.scope_pool_ids = '[]'::jsonb or s.scope_pool_ids @> jsonb_build_array(p.id::text))
    where s.status = 'enabled'
  ),
  days as (
    select s.id as strategy_id, s.pool_id, (r.captured_at at time zone 'UTC')::date as day,
           coalesce(${PAST("cpu")}, false) as past_cpu,
           coalesce(${PAST("memory")}, false) as past_memory
    from targets s
    join resource_snapshots r
      on r.cluster_id = s.cluster_id and r.pool_id = s.pool_id and r.granularity = 'daily'
     and r.captured_at >= $1::timestamptz - make_interval(days => greatest(s.duration_days, 30))
     and r.captured_at < $1::timestamptz
  ),
  islands as (
    select strategy_id, pool_id, 'cpu' as metric, day,
           day - (row_number() over (partition by strategy_id, pool_id order by day))::int as island
    from days where past_cpu
    union all
    select strategy_id, pool_id, 'memory', day,
           day - (row_number() over (partition by strategy_id, pool_id order by day))::int
    from days where past_memory
  )
  select strategy_id, pool_id, metric, count(*)::int as run_days
  from islands
  group by strategy_id, pool_id, metric, island
  having max(day) = $1::date - 1`;

export async function lowerBoundRuns(sql: pg.Client, runDay: string): Promise<RunLength[]> {
  const { rows } = await sql.query<{
    strategy_id: string;
    pool_id: string;
    metric: "cpu" | "memory";
    run_days: number;
  }>(LOWER_BOUND_SQL, [`${runDay}T00:00:00Z`]);
  return rows.map((r) => ({
    strategyId: r.strategy_id,
    poolId: r.pool_id,
    metric: r.metric,
    runDays: r.run_days,
  }));
}
