/**
 * Deletes events/operations (by created_at), audit rows (by at) and pool
 * status samples (by sampled_at) older than `policy.retentionMs`. Rows
 * exactly at the cutoff are kept. Deletion runs in bounded batches so no
 * single statement holds locks for long or builds a huge transaction; a
 * backlog larger than one run's bound is finished by the following runs.
 */
import { sql } from "drizzle-orm";
import type { Db } from "../../drizzle/client.ts";
import { resultRows } from "../../drizzle/drivers/rows.ts";
import { markerCheck, rememberIdle } from "./idle.ts";
import type { Job } from "./types.ts";

export const PURGE_RETENTION_JOB = "purge-retention";
export const PURGE_BATCH_SIZE = 5_000;
const MAX_BATCHES_PER_TABLE = 100;

export interface PurgeResult {
  operations: number;
  auditLogs: number;
  poolStatusSamples: number;
}

async function purgeInBatches(
  db: Db,
  batch: () => ReturnType<typeof sql>,
  batchSize: number,
): Promise<number> {
  let deleted = 0;
  for (let n = 0; n < MAX_BATCHES_PER_TABLE; n++) {
    const rows = resultRows(await db.execute(batch()));
    deleted += rows.length;
    if (rows.length < batchSize) break;
  }
  return deleted;
}

export async function purgeRetention(
  db: Db,
  input: { now: Date; retentionMs: number; batchSize?: number },
): Promise<PurgeResult> {
  const size = input.batchSize ?? PURGE_BATCH_SIZE;
  const cutoff = new Date(input.now.getTime() - input.retentionMs).toISOString();
  const operations = await purgeInBatches(
    db,
    () => sql`
      delete from operations where id in (
        select id from operations where created_at < ${cutoff}::timestamptz limit ${size})
      returning 1`,
    size,
  );
  const auditLogs = await purgeInBatches(
    db,
    () => sql`
      delete from audit_logs where id in (
        select id from audit_logs where at < ${cutoff}::timestamptz limit ${size})
      returning 1`,
    size,
  );
  // keyed by (pool_id, sampled_at): the batch picks rows by that key
  const poolStatusSamples = await purgeInBatches(
    db,
    () => sql`
      delete from pool_status_samples where (pool_id, sampled_at) in (
        select pool_id, sampled_at from pool_status_samples where sampled_at < ${cutoff}::timestamptz limit ${size})
      returning 1`,
    size,
  );
  return { operations, auditLogs, poolStatusSamples };
}

const DAY_MS = 86_400_000;
const utcDay = (at: Date) => new Date(Math.floor(at.getTime() / DAY_MS) * DAY_MS).toISOString();

/**
 * Once a UTC day: retention is counted in days (KSP_RETENTION_DAYS), so a row is deleted at most a
 * day after it fell out of it; a run that left a backlog (its bound reached) runs again next tick.
 */
export const purgeRetentionJob: Job = {
  name: PURGE_RETENTION_JOB,
  lockTtlMs: 5 * 60_000,
  idle: markerCheck(PURGE_RETENTION_JOB, (marker, view) => marker.day === utcDay(view.now)),
  async run(ctx) {
    const { db } = await ctx.database();
    const now = ctx.clock.now();
    const purged = await purgeRetention(db, { now, retentionMs: ctx.policy.retentionMs });
    if (Object.values(purged).some((n) => n > 0)) ctx.logger.info("retention purge", { ...purged });
    const bound = PURGE_BATCH_SIZE * MAX_BATCHES_PER_TABLE;
    if (Object.values(purged).every((n) => n < bound))
      await rememberIdle(ctx, PURGE_RETENTION_JOB, { day: utcDay(now) }, "time-only");
  },
};
