/**
 * Reservations the agent never started joining return to the free pool:
 * machines `reserved` for longer than `policy.reservationTtlMs` (by
 * statusChangedAt) go back to `available` through the state machine.
 *
 * The scheduled run only finds the clusters with expired reservations and
 * enqueues one `job.cluster` message each; the queue consumer does the
 * per-cluster work (with retries and parking), under a per-cluster lock.
 *
 * What a released machine keeps (its pool, or nothing when it came from free
 * inventory) is the one rule in services/machines/release-patch.ts.
 *
 * Each expiry is audited as `machine.reservation_expired` by "system", one
 * row per machine, in the batch's cluster write: no machine goes back
 * without its audit row.
 */
import { and, asc, eq, isNotNull, lte, min } from "drizzle-orm";
import type { Db } from "../../drizzle/client.ts";
import { machines } from "../../drizzle/schema/index.ts";
import type { ServiceContext } from "../services/context.ts";
import { releasePatches, releasesAssignment } from "../services/machines/release-patch.ts";
import { applyTransitions, type TransitionInput } from "../services/machines/transition-machine.ts";
import { withClusterWrite } from "../services/unit-of-work.ts";
import { markerCheck, readWorkToken, rememberIdle } from "./idle.ts";
import { jobServiceContext } from "./job-context.ts";
import type { Job } from "./types.ts";

export const EXPIRE_RESERVATIONS_JOB = "expire-reservations";
export const RESERVATION_EXPIRED_REASON = "reservation expired";
export const RESERVATION_EXPIRED_ACTION = "machine.reservation_expired";
const BATCH_SIZE = 200;
const MAX_BATCHES_PER_RUN = 50;

/** Clusters holding at least one reservation older than the cutoff. */
export async function clustersWithExpiredReservations(db: Db, cutoff: Date): Promise<string[]> {
  const rows = await db
    .selectDistinct({ clusterId: machines.clusterId })
    .from(machines)
    .where(
      and(
        eq(machines.status, "reserved"),
        lte(machines.statusChangedAt, cutoff),
        isNotNull(machines.clusterId),
      ),
    );
  return rows.map((r) => r.clusterId).filter((id): id is string => id !== null);
}

/**
 * Expires one cluster's overdue reservations, in batches of locked rows (SKIP
 * LOCKED: a machine another writer holds is left for the next run). Returns
 * how many machines went back to available. Idempotent: a second run finds none.
 */
export async function expireClusterReservations(
  ctx: ServiceContext,
  input: { clusterId: string; ttlMs: number },
): Promise<number> {
  const cutoff = new Date(ctx.clock.now().getTime() - input.ttlMs);
  let expired = 0;
  for (let batch = 0; batch < MAX_BATCHES_PER_RUN; batch++) {
    const count = await withClusterWrite(ctx, async (tx, write) => {
      const due = await tx
        .select({ id: machines.id, version: machines.version })
        .from(machines)
        .where(
          and(
            eq(machines.clusterId, input.clusterId),
            eq(machines.status, "reserved"),
            lte(machines.statusChangedAt, cutoff),
          ),
        )
        .orderBy(asc(machines.statusChangedAt), asc(machines.id))
        .limit(BATCH_SIZE)
        .for("update", { skipLocked: true });
      if (due.length === 0) return 0;
      const patches = await releasePatches(
        tx,
        due.map((m) => m.id),
      );
      const transitions: TransitionInput[] = due.map((m) => ({
        machineId: m.id,
        from: "reserved",
        to: "available",
        expectedVersion: m.version,
        reason: RESERVATION_EXPIRED_REASON,
        patch: patches.get(m.id),
        metadata: { ttlMs: input.ttlMs, releasedAssignment: releasesAssignment(patches.get(m.id)!) },
      }));
      await applyTransitions(tx, ctx, transitions, { write });
      for (const t of transitions) {
        write.audit({
          action: RESERVATION_EXPIRED_ACTION,
          resourceType: "machine",
          resourceId: t.machineId,
          clusterId: input.clusterId,
          changes: { from: t.from, to: t.to, reason: RESERVATION_EXPIRED_REASON, ...t.metadata },
        });
      }
      return transitions.length;
    });
    expired += count;
    if (count < BATCH_SIZE) break;
  }
  if (expired > 0) ctx.logger.info("reservations expired", { clusterId: input.clusterId, expired });
  return expired;
}

/** When the oldest reservation was made (epoch ms), or null when nothing is reserved. */
async function oldestReservation(db: Db): Promise<number | null> {
  const [row] = await db
    .select({ at: min(machines.statusChangedAt) })
    .from(machines)
    .where(and(eq(machines.status, "reserved"), isNotNull(machines.clusterId)));
  return row?.at ? new Date(row.at).getTime() : null;
}

/**
 * Idle while nothing was written since the last look (a reservation is a cluster write, which
 * replaces the work token) and its earliest expiry, if any, is still ahead.
 */
export const expireReservationsJob: Job = {
  name: EXPIRE_RESERVATIONS_JOB,
  lockTtlMs: 60_000,
  idle: markerCheck(
    EXPIRE_RESERVATIONS_JOB,
    (marker, view) =>
      marker.until === null || (typeof marker.until === "number" && view.now.getTime() < marker.until),
  ),
  async run(ctx) {
    const token = await readWorkToken(ctx);
    const { db } = await ctx.database();
    const cutoff = new Date(ctx.clock.now().getTime() - ctx.policy.reservationTtlMs);
    const clusterIds = await clustersWithExpiredReservations(db, cutoff);
    await ctx.queue.sendBatch(
      clusterIds.map((clusterId) => ({
        type: "job.cluster" as const,
        job: EXPIRE_RESERVATIONS_JOB,
        clusterId,
      })),
    );
    if (clusterIds.length > 0)
      ctx.logger.info("reservation expiry fanned out", { clusters: clusterIds.length });
    const oldest = await oldestReservation(db);
    const until = oldest === null ? null : oldest + ctx.policy.reservationTtlMs;
    await rememberIdle(ctx, EXPIRE_RESERVATIONS_JOB, { until }, token);
  },
  async runForCluster(ctx, clusterId) {
    const service = await jobServiceContext(ctx);
    await expireClusterReservations(service, { clusterId, ttlMs: ctx.policy.reservationTtlMs });
  },
};
