/**
 * The data of `npm run bench -- evaluate`, seeded with a few INSERT … SELECT
 * generate_series statements:
 *
 * - CLUSTERS clusters × POOLS_PER_CLUSTER pools, each pool five ready 8-core,
 *   32 GiB machines (40,000 m and 160 GiB allocatable), pool type "general";
 * - DAYS days of daily snapshots per pool, ending the day before the run.
 *   Pool n: n % 20 = 0 runs hot (cpu 90 % the last 5 days, memory requests
 *   88 % the last 2), n % 20 = 1 idles (cpu 10 %, memory 20 % every day),
 *   every other pool wanders between 40 and 70 % cpu and 45–60 % memory;
 * - FREE_MACHINES free 8-core machines labelled tier=gold (entry stock).
 *
 * The strategies (made through the services, as an operator would) cover
 * every pool: an entry strategy (cpu usage > 80 → 60 OR memory allocated
 * > 85 → 70, 3 days, up to 3 devices, template tier=gold) and an exit
 * strategy (cpu usage < 30 → 50 AND memory usage < 40 → 60, 3 days, up to 2
 * devices, the matching policy of "general" pools), and HISTORY_DAYS days of
 * their evaluation rows before the run.
 */
import type pg from "pg";
import type { ServiceContext } from "../functions/services/context.ts";
import { createMatchingPolicy } from "../functions/services/matching-policies/create-matching-policy.ts";
import { createQueryTemplate } from "../functions/services/query-templates/create-query-template.ts";
import { createStrategy } from "../functions/services/strategies/create-strategy.ts";

export const CLUSTERS = Number(process.env.BENCH_CLUSTERS ?? 1_000);
export const POOLS_PER_CLUSTER = 5;
export const DAYS = 30;
export const FREE_MACHINES = Number(process.env.BENCH_FREE_MACHINES ?? 1_000);
/** days of evaluation history before the run */
export const HISTORY_DAYS = 7;
const GIB = 2 ** 30;
const NODE_CPU = 8_000;
const NODE_MEMORY = 32 * GIB;
const NODES = 5;

export interface Seeded {
  history: number;
  pools: number;
  snapshots: number;
  machines: number;
  strategyIds: string[];
}

export async function seedEvaluationData(
  sql: pg.Client,
  ctx: ServiceContext,
  runDay: string,
): Promise<Seeded> {
  const { rows: clusters } = await sql.query<{ id: string }>(
    `insert into clusters (name, status) select 'eval-' || g, 'active' from generate_series(1, $1::int) g returning id`,
    [CLUSTERS],
  );
  await sql.query(
    `insert into node_pools (cluster_id, name, pool_type, max_size)
     select c, 'pool-' || p, 'general', 100 from unnest($1::uuid[]) c, generate_series(1, $2::int) p`,
    [clusters.map((c) => c.id), POOLS_PER_CLUSTER],
  );
  // a stable number per pool drives its load pattern
  await sql.query(`create temporary table bench_pools as
    select id, cluster_id, row_number() over (order by id) as n from node_pools`);
  const { rowCount: machines } = await sql.query(
    `insert into machines (hostname, ip, cluster_id, pool_id, status, cpu_cores, memory_bytes, node_name, labels)
     select 'node-' || p.n || '-' || k, '10.0.0.0'::inet + (p.n * 8 + k), p.cluster_id, p.id, 'ready', 8, $1::bigint,
            'node-' || p.n || '-' || k, '{"tier":"pool"}'::jsonb
     from bench_pools p, generate_series(1, ${NODES}) k`,
    [NODE_MEMORY],
  );
  const { rowCount: free } = await sql.query(
    `insert into machines (hostname, ip, status, cpu_cores, memory_bytes, labels, created_at)
     select 'free-' || g, '11.0.0.0'::inet + g, 'available', 8, $1::bigint, '{"tier":"gold"}'::jsonb,
            now() - make_interval(secs => $2::int - g)
     from generate_series(1, $2::int) g`,
    [NODE_MEMORY, FREE_MACHINES],
  );
  // day d = 1 … DAYS, DAYS being the day before the run
  const { rowCount: snapshots } = await sql.query(
    `insert into resource_snapshots (cluster_id, pool_id, captured_at, granularity, node_count,
       capacity_cpu_millis, capacity_memory_bytes, allocatable_cpu_millis, allocatable_memory_bytes,
       requested_cpu_millis, requested_memory_bytes, usage_cpu_millis, usage_memory_bytes)
     select p.cluster_id, p.id, $1::timestamptz - make_interval(days => ${DAYS} + 1 - d), 'daily', ${NODES},
            $2::bigint, $3::bigint, $2::bigint, $3::bigint,
            round($2::bigint * cpu * 0.9), round($3::bigint * mem_req),
            round($2::bigint * cpu), round($3::bigint * mem_use)
     from bench_pools p, generate_series(1, ${DAYS}) d,
     lateral (select
       case when p.n % 20 = 0 then (case when d > ${DAYS} - 5 then 0.90 else 0.50 end)
            when p.n % 20 = 1 then 0.10
            else 0.40 + ((p.n * 7 + d * 13) % 31) / 100.0 end as cpu,
       case when p.n % 20 = 0 then (case when d > ${DAYS} - 2 then 0.88 else 0.50 end)
            when p.n % 20 = 1 then 0.20
            else 0.45 + ((p.n * 11 + d * 5) % 16) / 100.0 end as mem_req,
       case when p.n % 20 = 1 then 0.20 else 0.50 end as mem_use) f`,
    [`${runDay}T00:00:00Z`, NODES * NODE_CPU, NODES * NODE_MEMORY],
  );
  await sql.query("analyze");

  const gold = await createQueryTemplate({
    ctx,
    input: {
      name: "bench-gold",
      logic: "and",
      groups: [{ logic: "and", blocks: [{ type: "nodeLabel", key: "tier", operator: "eq", value: "gold" }] }],
    },
  });
  const poolMachines = await createQueryTemplate({
    ctx,
    input: {
      name: "bench-pool-machines",
      logic: "and",
      groups: [{ logic: "and", blocks: [{ type: "device", key: "cpuCores", operator: "gte", value: 8 }] }],
    },
  });
  await createMatchingPolicy({
    ctx,
    input: { poolType: "general", action: "pool_exit", templateId: poolMachines.id },
  });
  const entry = await createStrategy({
    ctx,
    input: {
      name: "bench-entry",
      action: "pool_entry",
      cpu: { threshold: 80, type: "usage", target: 60 },
      memory: { threshold: 85, type: "allocated", target: 70 },
      conditionLogic: "or",
      durationDays: 3,
      maxDevices: 3,
      entryTemplateId: gold.id,
    },
  });
  const exit = await createStrategy({
    ctx,
    input: {
      name: "bench-exit",
      action: "pool_exit",
      cpu: { threshold: 30, type: "usage", target: 50 },
      memory: { threshold: 40, type: "usage", target: 60 },
      conditionLogic: "and",
      durationDays: 3,
      maxDevices: 2,
    },
  });
  // the history of the previous days, as a deployment that has run a while has it (and its planner
  // statistics: a history table analysed empty would have every check of it scan the whole table)
  const { rowCount: history } = await sql.query(
    `insert into strategy_evaluations (strategy_id, cluster_id, pool_id, run_key, result, reason, created_at)
     select s, p.cluster_id, p.id, to_char($1::date - d, 'YYYY-MM-DD'), 'below_threshold', 'seeded history',
            $1::date - d + interval '3 hours'
     from unnest($2::uuid[]) s, node_pools p, generate_series(1, ${HISTORY_DAYS}) d`,
    [runDay, [entry.id, exit.id]],
  );
  await sql.query("analyze");
  return {
    history: history ?? 0,
    pools: CLUSTERS * POOLS_PER_CLUSTER,
    snapshots: snapshots ?? 0,
    machines: (machines ?? 0) + (free ?? 0),
    strategyIds: [entry.id, exit.id],
  };
}
