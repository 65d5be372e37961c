/**
 * The scheduled jobs on real Postgres, driven by a ManualClock through the
 * real registry, runner, in-process queue and consumer: each does its work
 * and is idempotent, overlapping runs of one job never both run, and the
 * expiry fan-out goes through the queue.
 */
import { eq, inArray, sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  auditLogs,
  clusters,
  machines,
  operations,
  resourceSnapshots,
} from "../../../../drizzle/schema/index.ts";
import { wireJobs } from "../../../../functions/composition/jobs.ts";
import { EXPIRE_RESERVATIONS_JOB } from "../../../../functions/jobs/expire-reservations.ts";
import { CLUSTER_OFFLINE_EVENT } from "../../../../functions/jobs/mark-clusters-offline.ts";
import { purgeRetention } from "../../../../functions/jobs/purge-retention.ts";
import { defaultJobRegistry } from "../../../../functions/jobs/registry.ts";
import { runClusterJob, runJob, runScheduledJobs } from "../../../../functions/jobs/runner.ts";
import { InProcessQueue } from "../../../../functions/queue/in-process.ts";
import { stateVersionCacheKey } from "../../../../functions/services/clusters/state-version.ts";
import { transitionMachine } from "../../../../functions/services/machines/transition-machine.ts";
import { ManualClock } from "../../../../shared/clock.ts";
import { startTestApi, type TestApi } from "../../../support/api.ts";
import { seedCluster, seedMachine, seedPool, testContext } from "../../../support/fixtures.ts";
import { requirePostgres } from "../../../support/postgres.ts";
import { consumeOne } from "../../../support/queue-consumers.ts";
import { recordUsage } from "../../../support/usage.ts";

const ok = await requirePostgres();

const TTL_MS = 15 * 60_000;
const OFFLINE_MS = 5 * 60_000;
const RETENTION_MS = 30 * 86_400_000;
const DAY = 86_400_000;

describe.skipIf(!ok)("scheduled jobs", () => {
  let api: TestApi;
  const clock = new ManualClock(Date.UTC(2026, 0, 10, 12, 0, 0));
  let queue: InProcessQueue;
  let jobs: ReturnType<typeof wireJobs>;
  const db = () => api.database.db;
  const job = (name: string) => jobs.runner.registry.get(name)!;

  beforeAll(async () => {
    recordUsage("service", "postgres");
    api = await startTestApi({
      clock,
      policy: { reservationTtlMs: TTL_MS, heartbeatOfflineMs: OFFLINE_MS, retentionMs: RETENTION_MS },
    });
    let consumeBatch: ReturnType<typeof wireJobs>["consumeBatch"] | undefined;
    queue = new InProcessQueue({
      clock,
      logger: api.deps.logger,
      consumeBatch: (deliveries) => consumeBatch!(deliveries),
    });
    jobs = wireJobs({ app: api.deps, queue, registry: defaultJobRegistry() });
    consumeBatch = jobs.consumeBatch;
  });
  afterAll(() => api?.close());

  describe("expire-reservations", () => {
    it("returns overdue reservations to available via the queue, and leaves the rest alone", async () => {
      const ctx = testContext(db(), { clock, coordination: api.deps.coordination });
      const cluster = await seedCluster(db());
      const pool = await seedPool(db(), cluster.id);
      const reserve = (id: string, fromFreeInventory?: boolean) =>
        transitionMachine({
          ctx,
          input: {
            machineId: id,
            from: "available",
            to: "reserved",
            patch: { clusterId: cluster.id, poolId: pool.id, providerId: `ksp://${id}` },
            metadata: fromFreeInventory === undefined ? {} : { fromFreeInventory },
          },
        });
      const fromFree = await seedMachine(db());
      const preAssigned = await seedMachine(db(), { clusterId: cluster.id, poolId: pool.id });
      const joining = await seedMachine(db());
      const ready = await seedMachine(db());
      await reserve(fromFree.id, true);
      await reserve(preAssigned.id);
      for (const m of [joining, ready]) {
        await reserve(m.id, true);
        await transitionMachine({ ctx, input: { machineId: m.id, from: "reserved", to: "joining" } });
      }
      await transitionMachine({ ctx, input: { machineId: ready.id, from: "joining", to: "ready" } });
      clock.advance(TTL_MS - 60_000);
      const recent = await seedMachine(db());
      await reserve(recent.id, true);
      clock.advance(60_001); // the first ones are now past the TTL, `recent` is not
      const versionBefore = (await db().select().from(clusters).where(eq(clusters.id, cluster.id)))[0]!
        .stateVersion;

      const outcome = await runJob(jobs.runner, job(EXPIRE_RESERVATIONS_JOB), "test");
      expect(outcome.outcome).toBe("ok");
      expect(queue.pendingCount).toBe(1); // one message for the one cluster with overdue reservations
      expect(await queue.processDue()).toBe(1);
      expect(queue.parked).toHaveLength(0);

      const rows = await db()
        .select()
        .from(machines)
        .where(inArray(machines.id, [fromFree.id, preAssigned.id, joining.id, ready.id, recent.id]));
      const byId = new Map(rows.map((r) => [r.id, r]));
      expect(byId.get(fromFree.id)).toMatchObject({
        status: "available",
        statusReason: "reservation expired",
        clusterId: null,
        poolId: null,
        providerId: null,
      });
      expect(byId.get(preAssigned.id)).toMatchObject({
        status: "available",
        clusterId: cluster.id,
        poolId: pool.id,
        providerId: null,
      });
      expect(byId.get(joining.id)?.status).toBe("joining");
      expect(byId.get(ready.id)?.status).toBe("ready");
      expect(byId.get(recent.id)?.status).toBe("reserved");

      const events = await db()
        .select()
        .from(operations)
        .where(sql`${operations.metadata}->>'reason' = 'reservation expired'`);
      expect(events.map((e) => e.machineId).sort()).toEqual([fromFree.id, preAssigned.id].sort());
      const versionAfter = (await db().select().from(clusters).where(eq(clusters.id, cluster.id)))[0]!
        .stateVersion;
      expect(versionAfter).toBeGreaterThan(versionBefore);
      expect(await api.deps.coordination.cacheGet(stateVersionCacheKey(cluster.id))).toBe(versionAfter);

      // idempotent: nothing overdue is left, so nothing is enqueued or changed
      expect((await runJob(jobs.runner, job(EXPIRE_RESERVATIONS_JOB), "test")).outcome).toBe("ok");
      expect(queue.pendingCount).toBe(0);
      const again = await runClusterJob(jobs.runner, job(EXPIRE_RESERVATIONS_JOB), cluster.id, "test");
      expect(again.outcome).toBe("ok");
      const eventsAgain = await db()
        .select()
        .from(operations)
        .where(sql`${operations.metadata}->>'reason' = 'reservation expired'`);
      expect(eventsAgain).toHaveLength(2);
    });

    it("never processes one cluster twice at once: the second delivery is busy and retried", async () => {
      const cluster = await seedCluster(db());
      const held = await api.deps.coordination.acquireLock(
        `job:${EXPIRE_RESERVATIONS_JOB}:cluster:${cluster.id}`,
        60_000,
      );
      expect(held).not.toBeNull();
      const decision = await consumeOne(jobs.consumeBatch)(
        { type: "job.cluster", job: EXPIRE_RESERVATIONS_JOB, clusterId: cluster.id },
        1,
      );
      expect(decision).toMatchObject({ action: "retry", reason: expect.stringMatching(/running elsewhere/) });
      await api.deps.coordination.releaseLock(held!);
      expect(
        await consumeOne(jobs.consumeBatch)(
          { type: "job.cluster", job: EXPIRE_RESERVATIONS_JOB, clusterId: cluster.id },
          2,
        ),
      ).toEqual({ action: "ack" });
    });
  });

  describe("mark-clusters-offline", () => {
    it("marks silent active clusters offline, one event each, and only once", async () => {
      const now = clock.now().getTime();
      const silent = await seedCluster(db(), { lastHeartbeatAt: new Date(now - OFFLINE_MS - 1) });
      const fresh = await seedCluster(db(), { lastHeartbeatAt: new Date(now - OFFLINE_MS + 10_000) });
      const neverBeatOld = await seedCluster(db(), { registeredAt: new Date(now - 2 * OFFLINE_MS) });
      const neverBeatNew = await seedCluster(db(), {
        registeredAt: new Date(now - 1000),
        createdAt: new Date(now - 1000),
      });
      const pending = await seedCluster(db(), { status: "pending", createdAt: new Date(now - DAY) });
      const deleted = await seedCluster(db(), {
        lastHeartbeatAt: new Date(now - DAY),
        deletedAt: new Date(now),
      });
      const ids = [silent, fresh, neverBeatOld, neverBeatNew, pending, deleted].map((c) => c.id);

      for (let run = 0; run < 2; run++) {
        expect((await runJob(jobs.runner, job("mark-clusters-offline"), "test")).outcome).toBe("ok");
      }
      const rows = await db().select().from(clusters).where(inArray(clusters.id, ids));
      const status = new Map(rows.map((r) => [r.id, r.status]));
      expect(ids.map((id) => status.get(id))).toEqual([
        "offline",
        "active",
        "offline",
        "active",
        "pending",
        "active",
      ]);
      const events = await db()
        .select()
        .from(operations)
        .where(sql`${operations.kind} = ${CLUSTER_OFFLINE_EVENT} and ${inArray(operations.clusterId, ids)}`);
      expect(events.map((e) => e.clusterId).sort()).toEqual([silent.id, neverBeatOld.id].sort());
    });
  });

  describe("rollup-snapshots", () => {
    it("rolls completed UTC days into one daily row per cluster/pool, idempotently, then drops old raw rows", async () => {
      const cluster = await seedCluster(db());
      const pool = await seedPool(db(), cluster.id);
      const today = Date.UTC(2026, 0, 10);
      const raw = (dayOffset: number, hour: number, poolId: string | null, n: number, usage: number) => ({
        clusterId: cluster.id,
        poolId,
        capturedAt: new Date(today + dayOffset * DAY + hour * 3_600_000),
        nodeCount: n,
        capacityCpuMillis: n * 1000,
        usageCpuMillis: usage,
      });
      await db()
        .insert(resourceSnapshots)
        .values([
          raw(-2, 1, pool.id, 2, 100),
          raw(-2, 12, pool.id, 5, 200),
          raw(-2, 23, pool.id, 3, 301),
          raw(-2, 6, null, 10, 1000),
          raw(-2, 18, null, 12, 3000),
          raw(-1, 0, pool.id, 4, 50),
          raw(-20, 5, pool.id, 1, 10), // older than the raw retention: rolled up, then deleted
          raw(0, 1, pool.id, 9, 999), // today: not complete, not rolled up
        ]);

      for (let run = 0; run < 2; run++) {
        expect((await runJob(jobs.runner, job("rollup-snapshots"), "test")).outcome).toBe("ok");
      }
      const all = await db()
        .select()
        .from(resourceSnapshots)
        .where(eq(resourceSnapshots.clusterId, cluster.id));
      const daily = all
        .filter((r) => r.granularity === "daily")
        .map((r) => ({
          day: r.capturedAt.toISOString().slice(0, 10),
          pool: r.poolId,
          n: r.nodeCount,
          cpu: r.capacityCpuMillis,
          usage: r.usageCpuMillis,
        }))
        .sort((a, b) => a.day.localeCompare(b.day) || String(a.pool).localeCompare(String(b.pool)));
      expect(daily).toEqual(
        [
          { day: "2025-12-21", pool: pool.id, n: 1, cpu: 1000, usage: 10 },
          { day: "2026-01-08", pool: null, n: 12, cpu: 12000, usage: 2000 },
          { day: "2026-01-08", pool: pool.id, n: 5, cpu: 5000, usage: 200 },
          { day: "2026-01-09", pool: pool.id, n: 4, cpu: 4000, usage: 50 },
        ].sort((a, b) => a.day.localeCompare(b.day) || String(a.pool).localeCompare(String(b.pool))),
      );
      const rawLeft = all
        .filter((r) => r.granularity === "raw")
        .map((r) => r.capturedAt.toISOString().slice(0, 10));
      expect(rawLeft).not.toContain("2025-12-21");
      expect(rawLeft).toHaveLength(7);
    });
  });

  describe("purge-retention", () => {
    beforeEach(async () => {
      await db().delete(operations);
      await db().delete(auditLogs);
    });

    it("deletes rows older than the retention, keeping the one exactly at the cutoff", async () => {
      const cutoff = clock.now().getTime() - RETENTION_MS;
      const times = [cutoff - 86_400_000, cutoff - 1, cutoff, cutoff + 1];
      await db()
        .insert(operations)
        .values(times.map((t) => ({ kind: "test.purge", createdAt: new Date(t) })));
      await db()
        .insert(auditLogs)
        .values(
          times.map((t) => ({
            at: new Date(t),
            actor: "t",
            action: "a",
            resourceType: "r",
            result: "success" as const,
          })),
        );
      expect((await runJob(jobs.runner, job("purge-retention"), "test")).outcome).toBe("ok");
      const ops = await db().select().from(operations);
      const audit = await db().select().from(auditLogs);
      expect(ops.map((o) => o.createdAt.getTime()).sort()).toEqual([cutoff, cutoff + 1]);
      expect(audit.map((a) => a.at.getTime()).sort()).toEqual([cutoff, cutoff + 1]);
      expect((await runJob(jobs.runner, job("purge-retention"), "test")).outcome).toBe("ok");
      expect(await db().select().from(operations)).toHaveLength(2);
    });

    it("deletes in bounded batches until the backlog is gone", async () => {
      const old = new Date(clock.now().getTime() - 2 * RETENTION_MS);
      await db()
        .insert(operations)
        .values(Array.from({ length: 7 }, () => ({ kind: "test.purge", createdAt: old })));
      const purged = await purgeRetention(db(), {
        now: clock.now(),
        retentionMs: RETENTION_MS,
        batchSize: 2,
      });
      expect(purged).toEqual({ operations: 7, auditLogs: 0, poolStatusSamples: 0 });
      expect(await db().select().from(operations)).toHaveLength(0);
    });
  });

  it("runs two overlapping runs of one job as one run and one 'busy'", async () => {
    const outcomes = await Promise.all([
      runJob(jobs.runner, job("purge-retention"), "a"),
      runJob(jobs.runner, job("purge-retention"), "b"),
    ]);
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(["busy", "ok"]);
  });

  it("runs every registered job on a scheduler tick", async () => {
    const outcomes = await runScheduledJobs(jobs.runner, "test");
    expect(outcomes.map((o) => [o.job, o.outcome])).toEqual([
      ["heartbeat", "ok"],
      ["mark-clusters-offline", "ok"],
      ["expire-reservations", "ok"],
      ["rollup-snapshots", "ok"],
      ["evaluate-strategies", "ok"],
      ["purge-retention", "ok"],
      ["track-orders", "ok"],
      ["dispatch-notifications", "ok"],
      ["sample-pool-status", "ok"],
      ["probe-clusters", "ok"],
      ["rotate-encryption", "ok"],
    ]);
  });
});
