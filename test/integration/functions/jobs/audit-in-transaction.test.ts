/**
 * Jobs change state too, so they are audited like people are: actor
 * "system", one row per thing they changed, written in the transaction of the
 * change (a job has no write-ahead intent row, so each entry is a row of its
 * own). If the row cannot be written, the change is not made and the next run
 * tries again.
 */
import { eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLogs, clusters, machines, operations } from "../../../../drizzle/schema/index.ts";
import { wireJobs } from "../../../../functions/composition/jobs.ts";
import {
  EXPIRE_RESERVATIONS_JOB,
  expireClusterReservations,
} from "../../../../functions/jobs/expire-reservations.ts";
import { markClustersOffline } from "../../../../functions/jobs/mark-clusters-offline.ts";
import { runClusterJob } from "../../../../functions/jobs/runner.ts";
import { InProcessQueue } from "../../../../functions/queue/in-process.ts";
import { ManualClock } from "../../../../shared/clock.ts";
import { startTestApi, type TestApi } from "../../../support/api.ts";
import { refusingAuditWrites } from "../../../support/audit-refusal.ts";
import { seedCluster, seedMachines, seedPool, testContext } from "../../../support/fixtures.ts";
import { requirePostgres } from "../../../support/postgres.ts";
import { consumeEach } from "../../../support/queue-consumers.ts";
import { auditRowsOf } from "../../../support/service-rows.ts";

const ok = await requirePostgres();
const TTL_MS = 15 * 60_000;
const OFFLINE_MS = 5 * 60_000;

describe.skipIf(!ok)("jobs audit inside their transaction", () => {
  let api: TestApi;
  const clock = new ManualClock(Date.UTC(2026, 2, 1, 12, 0, 0));
  const db = () => api.database.db;
  const jobContext = () =>
    testContext(db(), { clock, actor: "system", requestId: `job-${crypto.randomUUID()}` });
  const auditRows = (requestId: string) => auditRowsOf(db(), requestId);

  beforeAll(async () => {
    api = await startTestApi({ clock, policy: { reservationTtlMs: TTL_MS, heartbeatOfflineMs: OFFLINE_MS } });
  });
  afterAll(() => api?.close());

  /** A cluster with `count` machines reserved longer ago than the TTL. */
  async function overdue(count: number) {
    const cluster = await seedCluster(db());
    const pool = await seedPool(db(), cluster.id);
    const reserved = await seedMachines(db(), count, {
      clusterId: cluster.id,
      poolId: pool.id,
      status: "reserved",
      statusChangedAt: new Date(clock.now().getTime() - TTL_MS - 1),
    });
    return { cluster, pool, reserved };
  }

  it("an expired reservation is audited by the system, one row per machine, with the change", async () => {
    const { cluster, reserved } = await overdue(2);
    const ctx = jobContext();
    expect(await expireClusterReservations(ctx, { clusterId: cluster.id, ttlMs: TTL_MS })).toBe(2);
    const rows = await auditRows(ctx.requestId);
    expect(rows.map((r) => r.resourceId).sort()).toEqual(reserved.map((m) => m.id).sort());
    for (const row of rows) {
      expect(row).toMatchObject({
        actor: "system",
        action: "machine.reservation_expired",
        resourceType: "machine",
        clusterId: cluster.id,
        result: "success",
        statusCode: null,
        ip: null,
        changes: {
          from: "reserved",
          to: "available",
          reason: "reservation expired",
          ttlMs: TTL_MS,
          releasedAssignment: false,
        },
      });
    }
  });

  it("a run through the runner and the queue is audited as the system, under the run's id", async () => {
    const { cluster, reserved } = await overdue(1);
    const queue = new InProcessQueue({
      clock,
      logger: api.deps.logger,
      consumeBatch: consumeEach(async () => ({ action: "ack" })),
    });
    const jobs = wireJobs({ app: api.deps, queue });
    const job = jobs.runner.registry.get(EXPIRE_RESERVATIONS_JOB)!;
    expect((await runClusterJob(jobs.runner, job, cluster.id, "test")).outcome).toBe("ok");
    const [row] = await db().select().from(auditLogs).where(eq(auditLogs.resourceId, reserved[0]!.id));
    expect(row).toMatchObject({
      actor: "system",
      action: "machine.reservation_expired",
      clusterId: cluster.id,
    });
    expect(row?.requestId).toMatch(new RegExp(`^job-${EXPIRE_RESERVATIONS_JOB}-`));
  });

  it("reservations whose audit rows cannot be written stay reserved, for the next run", async () => {
    const { cluster, reserved } = await overdue(2);
    const versionBefore = (await db().select().from(clusters).where(eq(clusters.id, cluster.id)))[0]!
      .stateVersion;
    const ctx = jobContext();
    const refused = await refusingAuditWrites(db(), "insert", ctx.requestId, () =>
      expireClusterReservations(ctx, { clusterId: cluster.id, ttlMs: TTL_MS }).then(
        () => null,
        (err: unknown) => err,
      ),
    );
    expect(refused).toMatchObject({ code: "dependency_unavailable" });
    const rows = await db()
      .select()
      .from(machines)
      .where(
        inArray(
          machines.id,
          reserved.map((m) => m.id),
        ),
      );
    expect(rows.map((m) => m.status)).toEqual(["reserved", "reserved"]);
    expect(await db().select().from(operations).where(eq(operations.requestId, ctx.requestId))).toEqual([]);
    expect((await db().select().from(clusters).where(eq(clusters.id, cluster.id)))[0]!.stateVersion).toBe(
      versionBefore,
    );

    const retry = jobContext();
    expect(await expireClusterReservations(retry, { clusterId: cluster.id, ttlMs: TTL_MS })).toBe(2);
    expect(await auditRows(retry.requestId)).toHaveLength(2);
  });

  it("a cluster marked offline is audited by the system; refused, it stays active", async () => {
    const silent = await seedCluster(db(), {
      lastHeartbeatAt: new Date(clock.now().getTime() - OFFLINE_MS - 1),
    });
    const statusOf = async () =>
      (await db().select().from(clusters).where(eq(clusters.id, silent.id)))[0]!.status;

    const refusedCtx = jobContext();
    const refused = await refusingAuditWrites(db(), "insert", refusedCtx.requestId, () =>
      markClustersOffline(refusedCtx, { offlineAfterMs: OFFLINE_MS }).then(
        () => null,
        (err: unknown) => err,
      ),
    );
    expect(refused).toMatchObject({ code: "dependency_unavailable" });
    expect(await statusOf()).toBe("active");
    expect(
      await db().select().from(operations).where(eq(operations.requestId, refusedCtx.requestId)),
    ).toEqual([]);

    const ctx = jobContext();
    expect(await markClustersOffline(ctx, { offlineAfterMs: OFFLINE_MS })).toContain(silent.id);
    expect(await statusOf()).toBe("offline");
    const [row] = (await auditRows(ctx.requestId)).filter((r) => r.resourceId === silent.id);
    expect(row).toMatchObject({
      actor: "system",
      action: "cluster.offline",
      resourceType: "cluster",
      clusterId: silent.id,
      result: "success",
      changes: {
        from: "active",
        to: "offline",
        reason: "no heartbeat",
        lastHeartbeatAt: silent.lastHeartbeatAt!.toISOString(),
        offlineAfterMs: OFFLINE_MS,
      },
    });
  });
});
