/**
 * Records every pool's machines per state once per sampling slot
 * (POOL_STATUS_SAMPLE_INTERVAL_MS), for the history charts
 * (GET /v1/clusters/{clusterId}/pools/{poolId}/history). Machine rows keep
 * only their current state and the transition events are neither complete
 * (creates, imports and unassigns move machines in and out of a pool too)
 * nor kept forever, so counts over time are sampled rather than derived.
 *
 * The scheduler ticks every minute; a run in a slot already sampled costs one
 * indexed lookup and writes nothing. Otherwise one statement groups the
 * machines by pool and state and inserts a row per pool (zero machines
 * included, as `{}`), stamped with the slot's start; the primary key
 * (pool_id, sampled_at) turns a racing second run into a no-op. Pools of
 * deleted clusters are not sampled. Old rows go with the retention purge
 * (purge-retention.ts).
 */
import { sql } from "drizzle-orm";
import type { Db } from "../../drizzle/client.ts";
import { resultRows } from "../../drizzle/drivers/rows.ts";
import { idleMarkerKey as idleMarkerKeyOf, markerCheck, readWorkToken, rememberIdle } from "./idle.ts";
import type { Job } from "./types.ts";

export const SAMPLE_POOL_STATUS_JOB = "sample-pool-status";
/** One sample per pool per 5 minutes: 288 a day, so a day's chart needs no bucketing at all. */
export const POOL_STATUS_SAMPLE_INTERVAL_MS = 5 * 60_000;

async function livePools(db: Db): Promise<number> {
  const [row] = resultRows<{ n: number | string }>(
    await db.execute(sql`
      select count(*)::int as n from node_pools p
      join clusters c on c.id = p.cluster_id and c.deleted_at is null`),
  );
  return Number(row?.n ?? 0);
}

export interface SampleResult {
  /** the slot's start */
  sampledAt: Date;
  /** pools sampled by this run; 0 when the slot already was */
  pools: number;
}

export const sampleSlotOf = (now: Date) =>
  new Date(Math.floor(now.getTime() / POOL_STATUS_SAMPLE_INTERVAL_MS) * POOL_STATUS_SAMPLE_INTERVAL_MS);

async function slotSampled(db: Db, slot: string): Promise<boolean> {
  const rows = resultRows(
    await db.execute(sql`select 1 from pool_status_samples where sampled_at = ${slot}::timestamptz limit 1`),
  );
  return rows.length > 0;
}

export async function samplePoolStatus(db: Db, now: Date): Promise<SampleResult> {
  const sampledAt = sampleSlotOf(now);
  const slot = sampledAt.toISOString();
  if (await slotSampled(db, slot)) return { sampledAt, pools: 0 };
  const rows = resultRows(
    await db.execute(sql`
      insert into pool_status_samples (cluster_id, pool_id, sampled_at, counts)
      select p.cluster_id, p.id, ${slot}::timestamptz,
        coalesce(jsonb_object_agg(m.status, m.n) filter (where m.status is not null), '{}'::jsonb)
      from node_pools p
      join clusters c on c.id = p.cluster_id and c.deleted_at is null
      left join (
        select pool_id, status, count(*)::int as n
        from machines where pool_id is not null
        group by pool_id, status
      ) m on m.pool_id = p.id
      group by p.id, p.cluster_id
      on conflict do nothing
      returning 1`),
  );
  return { sampledAt, pools: rows.length };
}

const bySlot = markerCheck(
  SAMPLE_POOL_STATUS_JOB,
  (marker, view) => marker.slot === sampleSlotOf(view.now).toISOString(),
);
const byNoPools = markerCheck(SAMPLE_POOL_STATUS_JOB, (marker) => marker.noPools === true);

/**
 * Idle for the rest of a slot once it is sampled, and while no pool exists and nothing was written
 * (a pool is created by a /v1 write). With pools, one look per slot remains: every 5 minutes.
 */
export const samplePoolStatusJob: Job = {
  name: SAMPLE_POOL_STATUS_JOB,
  lockTtlMs: 2 * 60_000,
  idle: {
    key: () => idleMarkerKeyOf(SAMPLE_POOL_STATUS_JOB),
    idle: (value, view) => bySlot.idle(value, view) || byNoPools.idle(value, view),
  },
  async run(ctx) {
    const token = await readWorkToken(ctx);
    const { db } = await ctx.database();
    const now = ctx.clock.now();
    const result = await samplePoolStatus(db, now);
    if (result.pools === 0 && (await livePools(db)) === 0) {
      await rememberIdle(ctx, SAMPLE_POOL_STATUS_JOB, { noPools: true }, token);
    } else {
      await rememberIdle(ctx, SAMPLE_POOL_STATUS_JOB, { slot: result.sampledAt.toISOString() }, "time-only");
    }
    if (result.pools > 0) {
      ctx.logger.debug("pool status sampled", {
        sampledAt: result.sampledAt.toISOString(),
        pools: result.pools,
      });
    }
  },
};
