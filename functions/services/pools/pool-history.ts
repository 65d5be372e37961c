/**
 * A pool's recent past for charts, bucketed server-side (history-window.ts)
 * so an answer holds at most MAX_HISTORY_POINTS points per series:
 *
 *  - samples: machines per state. Each bucket shows the LAST sample taken in
 *    it (jobs/sample-pool-status.ts, one per 5 minutes): counts are a state,
 *    not a rate, and the last one keeps them whole numbers whose sum is the
 *    pool's size at that moment.
 *  - utilisation: requested / allocatable, for CPU and memory, from the
 *    agent's resource snapshots: the ratio Cluster Autoscaler's scale-down
 *    judges nodes by. Per bucket it is the sum of requests over the sum of
 *    allocatable of the snapshots in it (so, a ratio of averages); null when
 *    nothing was allocatable. Raw snapshots are kept 7 days
 *    (jobs/rollup-snapshots.ts); a day with none left is represented by its
 *    daily roll-up (average requests over maximum allocatable), at 00:00 UTC.
 *
 * Buckets with no data are left out, so a gap in the series is a gap in what
 * was recorded. Both series are oldest first.
 */
import { sql } from "drizzle-orm";
import { resultRows } from "../../../drizzle/drivers/rows.ts";
import { MACHINE_STATES, type MachineState } from "../../../proto/machine-states.ts";
import type { ServiceCall } from "../context.ts";
import { bucketStart, resolveHistoryWindow } from "./history-window.ts";
import { findPool } from "./pool-view.ts";

export interface PoolHistoryInput {
  clusterId: string;
  poolId: string;
  since?: Date;
  until?: Date;
}

export interface PoolHistorySample {
  at: string;
  counts: Record<MachineState, number>;
}

export interface PoolUtilisationPoint {
  at: string;
  cpu: number | null;
  memory: number | null;
}

export interface PoolHistory {
  clusterId: string;
  poolId: string;
  since: string;
  until: string;
  bucketSeconds: number;
  samples: PoolHistorySample[];
  utilisation: PoolUtilisationPoint[];
}

const RATIO_DIGITS = 4;
const ratio = (value: number | string | null) =>
  value === null ? null : Number(Number(value).toFixed(RATIO_DIGITS));

function allStates(stored: Partial<Record<MachineState, number>>): Record<MachineState, number> {
  return Object.fromEntries(MACHINE_STATES.map((s) => [s, stored[s] ?? 0])) as Record<MachineState, number>;
}

export async function poolHistory({ ctx, input }: ServiceCall<PoolHistoryInput>): Promise<PoolHistory> {
  const window = resolveHistoryWindow({ since: input.since, until: input.until, now: ctx.clock.now() });
  const pool = await findPool(ctx.db, input.clusterId, input.poolId);
  const since = window.since.toISOString();
  const until = window.until.toISOString();
  const size = window.bucketSeconds;
  const [samples, utilisation] = await Promise.all([
    ctx.db.execute(sql`
      select distinct on (bucket) bucket, counts
      from (
        select floor(extract(epoch from sampled_at) / ${size})::bigint as bucket, sampled_at, counts
        from pool_status_samples
        where pool_id = ${pool.id} and sampled_at >= ${since}::timestamptz and sampled_at < ${until}::timestamptz
      ) s
      order by bucket, sampled_at desc`),
    ctx.db.execute(sql`
      select floor(extract(epoch from s.captured_at) / ${size})::bigint as bucket,
        case when sum(s.allocatable_cpu_millis) > 0
          then sum(s.requested_cpu_millis)::float8 / sum(s.allocatable_cpu_millis) end as cpu,
        case when sum(s.allocatable_memory_bytes) > 0
          then sum(s.requested_memory_bytes)::float8 / sum(s.allocatable_memory_bytes) end as memory
      from resource_snapshots s
      where s.cluster_id = ${pool.clusterId} and s.pool_id = ${pool.id}
        and s.captured_at >= ${since}::timestamptz and s.captured_at < ${until}::timestamptz
        and (s.granularity = 'raw' or not exists (
          select 1 from resource_snapshots r
          where r.cluster_id = s.cluster_id and r.pool_id = s.pool_id and r.granularity = 'raw'
            and r.captured_at >= s.captured_at and r.captured_at < s.captured_at + interval '1 day'))
      group by bucket
      order by bucket`),
  ]);
  return {
    clusterId: pool.clusterId,
    poolId: pool.id,
    since,
    until,
    bucketSeconds: size,
    samples: resultRows<{ bucket: string | number; counts: Partial<Record<MachineState, number>> }>(
      samples,
    ).map((row) => ({
      at: bucketStart(Number(row.bucket), size).toISOString(),
      counts: allStates(row.counts),
    })),
    utilisation: resultRows<{
      bucket: string | number;
      cpu: number | string | null;
      memory: number | string | null;
    }>(utilisation).map((row) => ({
      at: bucketStart(Number(row.bucket), size).toISOString(),
      cpu: ratio(row.cpu),
      memory: ratio(row.memory),
    })),
  };
}
