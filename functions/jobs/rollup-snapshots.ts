/**
 * Rolls raw resource snapshots up into one `daily` row per cluster, pool
 * (null: the whole cluster) and completed UTC day, then deletes raw rows older
 * than RAW_SNAPSHOT_KEEP_DAYS.
 *
 * A daily row (captured_at = the day's 00:00 UTC) holds:
 *  - the day's MAXIMUM of node count, capacity and allocatable: the size the
 *    cluster reached, which is what capacity planning asks;
 *  - the day's AVERAGE (rounded) of requested and used CPU and memory: the
 *    typical load, which a single spike would misrepresent.
 *
 * Idempotent: a day that has daily rows is not rolled up again, and the
 * unique index resource_snapshots_daily_uq turns any duplicate into a no-op
 * (ON CONFLICT DO NOTHING). Raw rows arriving late for a day already rolled
 * up are not added to it. Raw rows are deleted only for days already rolled
 * up, so a long outage of the job loses nothing.
 */
import { sql } from "drizzle-orm";
import type { Db } from "../../drizzle/client.ts";
import { resultRows } from "../../drizzle/drivers/rows.ts";
import { markerCheck, rememberIdle } from "./idle.ts";
import type { Job } from "./types.ts";

export const ROLLUP_SNAPSHOTS_JOB = "rollup-snapshots";
export const RAW_SNAPSHOT_KEEP_DAYS = 7;
const DAY_MS = 86_400_000;
/** Days rolled up in one run at most; more only after a long outage, caught up over a few runs. */
const MAX_DAYS_PER_RUN = 60;
const DELETE_BATCH = 5_000;
const MAX_DELETE_BATCHES = 200;

export interface RollupResult {
  daysRolledUp: number;
  dailyRows: number;
  rawDeleted: number;
  /** every completed day is rolled up and the raw rows past keeping are gone: nothing left until tomorrow */
  caughtUp: boolean;
}

const utcDayStart = (at: Date) => new Date(Math.floor(at.getTime() / DAY_MS) * DAY_MS);
const iso = (d: Date) => d.toISOString();

async function oldestRawDay(db: Db): Promise<Date | null> {
  const [row] = resultRows<{ at: string | Date | null }>(
    await db.execute(sql`select min(captured_at) as at from resource_snapshots where granularity = 'raw'`),
  );
  return row?.at ? utcDayStart(new Date(row.at)) : null;
}

async function dayRolledUp(db: Db, day: Date): Promise<boolean> {
  const rows = resultRows(
    await db.execute(sql`
      select 1 from resource_snapshots
      where granularity = 'daily' and captured_at = ${iso(day)}::timestamptz limit 1`),
  );
  return rows.length > 0;
}

/** Inserts the day's daily rows; returns how many were new. */
async function rollUpDay(db: Db, day: Date): Promise<number> {
  const end = new Date(day.getTime() + DAY_MS);
  const rows = resultRows(
    await db.execute(sql`
      insert into resource_snapshots (
        cluster_id, pool_id, captured_at, granularity, node_count,
        capacity_cpu_millis, capacity_memory_bytes, allocatable_cpu_millis, allocatable_memory_bytes,
        requested_cpu_millis, requested_memory_bytes, usage_cpu_millis, usage_memory_bytes)
      select cluster_id, pool_id, ${iso(day)}::timestamptz, 'daily', max(node_count),
        max(capacity_cpu_millis), max(capacity_memory_bytes),
        max(allocatable_cpu_millis), max(allocatable_memory_bytes),
        round(avg(requested_cpu_millis)), round(avg(requested_memory_bytes)),
        round(avg(usage_cpu_millis)), round(avg(usage_memory_bytes))
      from resource_snapshots
      where granularity = 'raw'
        and captured_at >= ${iso(day)}::timestamptz and captured_at < ${iso(end)}::timestamptz
      group by cluster_id, pool_id
      on conflict do nothing
      returning 1`),
  );
  return rows.length;
}

/** Deletes raw rows older than `before` in bounded batches; returns how many. */
async function deleteRawBefore(db: Db, before: Date): Promise<number> {
  let deleted = 0;
  for (let batch = 0; batch < MAX_DELETE_BATCHES; batch++) {
    const rows = resultRows(
      await db.execute(sql`
        delete from resource_snapshots where id in (
          select id from resource_snapshots
          where granularity = 'raw' and captured_at < ${iso(before)}::timestamptz
          limit ${DELETE_BATCH})
        returning 1`),
    );
    deleted += rows.length;
    if (rows.length < DELETE_BATCH) break;
  }
  return deleted;
}

export async function rollupSnapshots(db: Db, now: Date): Promise<RollupResult> {
  const today = utcDayStart(now);
  const result: RollupResult = { daysRolledUp: 0, dailyRows: 0, rawDeleted: 0, caughtUp: false };
  let day = await oldestRawDay(db);
  if (day === null) return { ...result, caughtUp: true };
  let processedUntil = day;
  for (let n = 0; n < MAX_DAYS_PER_RUN && day < today; n++) {
    if (!(await dayRolledUp(db, day))) {
      const inserted = await rollUpDay(db, day);
      if (inserted > 0) result.daysRolledUp++;
      result.dailyRows += inserted;
    }
    day = new Date(day.getTime() + DAY_MS);
    processedUntil = day;
  }
  const keepFrom = new Date(today.getTime() - RAW_SNAPSHOT_KEEP_DAYS * DAY_MS);
  // never delete raw rows of a day this run did not get to
  const deleteBefore = processedUntil < keepFrom ? processedUntil : keepFrom;
  result.rawDeleted = await deleteRawBefore(db, deleteBefore);
  result.caughtUp = day >= today && result.rawDeleted < DELETE_BATCH * MAX_DELETE_BATCHES;
  return result;
}

/**
 * Idle for the rest of a UTC day once a run caught up: only a completed day is rolled up, and raw
 * rows arriving late for one are not added (see above), so nothing new can be due before midnight.
 */
export const rollupSnapshotsJob: Job = {
  name: ROLLUP_SNAPSHOTS_JOB,
  lockTtlMs: 5 * 60_000,
  idle: markerCheck(ROLLUP_SNAPSHOTS_JOB, (marker, view) => marker.day === iso(utcDayStart(view.now))),
  async run(ctx) {
    const { db } = await ctx.database();
    const now = ctx.clock.now();
    const result = await rollupSnapshots(db, now);
    if (result.dailyRows > 0 || result.rawDeleted > 0) ctx.logger.info("snapshots rolled up", { ...result });
    if (result.caughtUp)
      await rememberIdle(ctx, ROLLUP_SNAPSHOTS_JOB, { day: iso(utcDayStart(now)) }, "time-only");
  },
};
