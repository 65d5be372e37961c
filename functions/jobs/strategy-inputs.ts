/**
 * Everything an evaluation reads before it decides, in ONE query for any
 * number of targets (the evaluation runs for every strategy and pool every
 * day; a delivery batch of them is read at once): the strategy, the pool,
 * whether its cluster is live, whether this run already evaluated it, the
 * day of the latest capacity order that counts toward cooldown, and the
 * pool's daily snapshot rows of the lookback window, oldest first.
 */
import { type SQL, sql } from "drizzle-orm";
import type { Db } from "../../drizzle/client.ts";
import { resultRows, tableRowFromJson } from "../../drizzle/drivers/rows.ts";
import {
  type HardwareRequirements,
  POOL_ACTIONS,
  type Strategy,
  strategies,
} from "../../drizzle/schema/index.ts";
import { renderOnce } from "../../drizzle/static-sql.ts";
import { COOLDOWN_ORDER_STATUSES } from "../services/orders/order-states.ts";
import { MIN_LOOKBACK_DAYS } from "../services/strategies/evaluation/assess.ts";
import { dayStart } from "../services/strategies/evaluation/days.ts";
import type { DailyFigures } from "../services/strategies/evaluation/types.ts";

export interface StrategyTarget {
  strategyId: string;
  clusterId: string;
  poolId: string;
  /** the run's UTC day */
  runKey: string;
}

export interface TargetPool {
  id: string;
  clusterId: string;
  name: string;
  poolType: string | null;
  hardwareRequirements: HardwareRequirements;
}

export interface EvaluationInputs {
  strategy: Strategy;
  pool: TargetPool;
  clusterLive: boolean;
  /** this run already has its evaluation row: a redelivery, nothing to do */
  evaluated: boolean;
  latestOrderDay: string | null;
  snapshots: DailyFigures[];
}

/** [day, usage cpu, usage memory, requested cpu, requested memory, allocatable cpu, allocatable memory] */
type SnapshotTuple = [string, number, number, number, number, number, number];

const list = (values: readonly string[]) => values.map((v) => `'${v}'`).join(", ");

/**
 * Everything after the targets' parameter never changes: rendered once
 * (drizzle/static-sql.ts), so building the statement costs a few chunks,
 * not hundreds.
 */
const INPUTS = renderOnce(sql`
  select t.run_key, to_jsonb(s) as strategy,
    jsonb_build_object('id', p.id, 'clusterId', p.cluster_id, 'name', p.name, 'poolType', p.pool_type,
      'hardwareRequirements', p.hardware_requirements) as pool,
    exists (select 1 from clusters c where c.id = p.cluster_id and c.deleted_at is null) as cluster_live,
    exists (select 1 from strategy_evaluations e
      where e.strategy_id = s.id and e.cluster_id = p.cluster_id and e.pool_id = p.id
        and e.run_key = t.run_key) as evaluated,
    (select to_char(max(o.created_at) at time zone 'UTC', 'YYYY-MM-DD') from orders o
      where o.cluster_id = p.cluster_id and o.pool_id = p.id
        and o.action in (${sql.raw(list(POOL_ACTIONS))})
        and o.status in (${sql.raw(list(COOLDOWN_ORDER_STATUSES))})) as latest_order_day,
    (select coalesce(json_agg(json_build_array(
        to_char(r.captured_at at time zone 'UTC', 'YYYY-MM-DD'),
        r.usage_cpu_millis, r.usage_memory_bytes, r.requested_cpu_millis, r.requested_memory_bytes,
        r.allocatable_cpu_millis, r.allocatable_memory_bytes) order by r.captured_at), '[]'::json)
      from resource_snapshots r
      where r.cluster_id = p.cluster_id and r.pool_id = p.id and r.granularity = 'daily'
        and r.captured_at >= t.run_start
          - make_interval(days => greatest(s.duration_days, ${sql.raw(String(MIN_LOOKBACK_DAYS))}))
        and r.captured_at < t.run_start) as snapshots
  from target t
  join strategies s on s.id = t.strategy_id
  join node_pools p on p.id = t.pool_id and p.cluster_id = t.cluster_id`);

interface InputsRow {
  run_key: string;
  strategy: Record<string, unknown>;
  pool: TargetPool | string;
  cluster_live: boolean;
  evaluated: boolean;
  latest_order_day: string | null;
  snapshots: unknown;
}

const json = <T>(value: unknown): T => (typeof value === "string" ? JSON.parse(value) : value) as T;

/** The targets as one JSON parameter: a batch of a hundred is one parameter, not five hundred. */
const targetsOf = (targets: readonly StrategyTarget[]) => {
  const rows = targets.map((t) => ({
    strategy_id: t.strategyId,
    cluster_id: t.clusterId,
    pool_id: t.poolId,
    run_key: t.runKey,
    run_start: dayStart(t.runKey).toISOString(),
  }));
  return sql`with target as (
    select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
      as t(strategy_id uuid, cluster_id uuid, pool_id uuid, run_key text, run_start timestamptz))`;
};

/** The statement alone (EXPLAIN it, or run it). */
function evaluationInputsQuery(targets: readonly StrategyTarget[]): SQL {
  return sql`${targetsOf(targets)} ${INPUTS}`;
}

/** Identifies a target among a batch's. */
export const targetKey = (t: StrategyTarget) => `${t.strategyId}:${t.clusterId}:${t.poolId}:${t.runKey}`;

function inputsFrom(row: InputsRow): EvaluationInputs {
  return {
    strategy: tableRowFromJson(strategies, json(row.strategy)) as Strategy,
    pool: json<TargetPool>(row.pool),
    clusterLive: row.cluster_live,
    evaluated: row.evaluated,
    latestOrderDay: row.latest_order_day,
    snapshots: json<SnapshotTuple[]>(row.snapshots).map((t) => ({
      day: t[0],
      usageCpuMillis: Number(t[1]),
      usageMemoryBytes: Number(t[2]),
      requestedCpuMillis: Number(t[3]),
      requestedMemoryBytes: Number(t[4]),
      allocatableCpuMillis: Number(t[5]),
      allocatableMemoryBytes: Number(t[6]),
    })),
  };
}

/**
 * The inputs of every target, by targetKey; a target whose strategy or pool (in that cluster) no
 * longer exists has none.
 */
export async function readEvaluationInputs(
  db: Db,
  targets: readonly StrategyTarget[],
): Promise<Map<string, EvaluationInputs>> {
  const rows = resultRows<InputsRow>(await db.execute(evaluationInputsQuery(targets)));
  return new Map(
    rows.map((row) => {
      const inputs = inputsFrom(row);
      const key = targetKey({
        strategyId: inputs.strategy.id,
        clusterId: inputs.pool.clusterId,
        poolId: inputs.pool.id,
        runKey: row.run_key,
      });
      return [key, inputs];
    }),
  );
}
