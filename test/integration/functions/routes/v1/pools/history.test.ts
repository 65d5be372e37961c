/**
 * GET /v1/clusters/{clusterId}/pools/{poolId}/history on Postgres and PGlite,
 * fed only by the real writers: the sample-pool-status job through the real
 * runner (ManualClock), the agent's POST /v1/agent/snapshots and the
 * rollup-snapshots job. Covers: one sample per pool and 5-minute slot (zero
 * machines included, deleted clusters skipped), the last sample of a bucket
 * winning, utilisation as requested / allocatable per bucket with the daily
 * roll-up standing in for purged raw snapshots, window defaults and bounds
 * (400 beyond them), scope and role refusals, and the retention purge.
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clusters, type NodePool, poolStatusSamples } from "../../../../../../drizzle/schema/index.ts";
import { PURGE_RETENTION_JOB } from "../../../../../../functions/jobs/purge-retention.ts";
import { defaultJobRegistry } from "../../../../../../functions/jobs/registry.ts";
import { ROLLUP_SNAPSHOTS_JOB } from "../../../../../../functions/jobs/rollup-snapshots.ts";
import { runJob } from "../../../../../../functions/jobs/runner.ts";
import { SAMPLE_POOL_STATUS_JOB } from "../../../../../../functions/jobs/sample-pool-status.ts";
import { InProcessQueue } from "../../../../../../functions/queue/in-process.ts";
import { transitionMachine } from "../../../../../../functions/services/machines/transition-machine.ts";
import { MACHINE_STATES, type MachineState } from "../../../../../../proto/machine-states.ts";
import { ManualClock } from "../../../../../../shared/clock.ts";
import { startTestApi, TEST_API_DRIVERS, type TestApi } from "../../../../../support/api.ts";
import { seedCluster, seedMachines, seedPool, testContext } from "../../../../../support/fixtures.ts";
import { requirePostgres } from "../../../../../support/postgres.ts";
import { consumeEach } from "../../../../../support/queue-consumers.ts";

const ok = await requirePostgres();

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const RETENTION_MS = 40 * DAY;
const GiB = 2 ** 30;
/** A 5-minute (and 15-minute, and 3-hour) boundary. */
const T0 = Date.UTC(2026, 0, 20, 12, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();

const counts = (some: Partial<Record<MachineState, number>>) =>
  Object.fromEntries(MACHINE_STATES.map((s) => [s, some[s] ?? 0]));

describe.each(TEST_API_DRIVERS)("pool history on %s", (driver) => {
  describe.skipIf(driver !== "pglite" && !ok)(driver, () => {
    let api: TestApi;
    const clock = new ManualClock(T0);
    let clusterId: string;
    let pool: NodePool;
    let empty: NodePool;
    let viewer: string;
    let agent: string;
    let path: string;
    const db = () => api.database.db;

    const run = async (name: string) => {
      const queue = new InProcessQueue({
        clock,
        logger: api.deps.logger,
        consumeBatch: consumeEach(async () => ({ action: "ack" as const })),
      });
      const registry = defaultJobRegistry();
      const outcome = await runJob({ app: api.deps, registry, queue }, registry.get(name)!, "test");
      expect(outcome.outcome, name).toBe("ok");
    };
    const sampleAt = async (ms: number) => {
      clock.advance(ms - clock.now().getTime());
      await run(SAMPLE_POOL_STATUS_JOB);
    };
    const history = (query = "", token = viewer, at = path) =>
      api.json("GET", `${at}/history${query}`, { token });
    const snapshot = (capturedAt: number, requested: [number, number], allocatable: [number, number]) =>
      api.json("POST", "/v1/agent/snapshots", {
        token: agent,
        body: {
          capturedAt: iso(capturedAt),
          pools: [
            {
              poolId: pool.id,
              nodeCount: 2,
              capacity: { cpuMillis: allocatable[0], memoryBytes: allocatable[1] },
              allocatable: { cpuMillis: allocatable[0], memoryBytes: allocatable[1] },
              requested: { cpuMillis: requested[0], memoryBytes: requested[1] },
              usage: { cpuMillis: 0, memoryBytes: 0 },
            },
          ],
        },
      });

    beforeAll(async () => {
      api = await startTestApi({ driver, clock, policy: { retentionMs: RETENTION_MS } });
      const cluster = await seedCluster(db());
      clusterId = cluster.id;
      pool = await seedPool(db(), clusterId);
      empty = await seedPool(db(), clusterId);
      path = `/v1/clusters/${clusterId}/pools/${pool.id}`;
      viewer = await api.tokenFor("viewer");
      agent = await api.agentCredentialFor(clusterId);
    });
    afterAll(() => api?.close());

    it("samples every pool once per 5-minute slot, empty pools as zeros, deleted clusters not at all", async () => {
      const ctx = testContext(db(), { clock, coordination: api.deps.coordination });
      const ready = await seedMachines(db(), 2, { clusterId, poolId: pool.id, status: "ready" });
      await seedMachines(db(), 1, { clusterId, poolId: pool.id, status: "fault" });
      const gone = await seedCluster(db());
      const gonePool = await seedPool(db(), gone.id);
      await seedMachines(db(), 1, { clusterId: gone.id, poolId: gonePool.id, status: "ready" });
      await db().update(clusters).set({ deletedAt: clock.now() }).where(eq(clusters.id, gone.id));

      await sampleAt(T0 + 30_000);
      await sampleAt(T0 + 4 * MINUTE); // same slot: nothing new, even after a change
      await transitionMachine({ ctx, input: { machineId: ready[0]!.id, from: "ready", to: "fault" } });
      await sampleAt(T0 + 4 * MINUTE + 59_000);
      await sampleAt(T0 + 5 * MINUTE);
      await transitionMachine({ ctx, input: { machineId: ready[0]!.id, from: "fault", to: "available" } });
      await sampleAt(T0 + 11 * MINUTE);

      const rows = await db().select().from(poolStatusSamples);
      const of = (poolId: string) =>
        rows
          .filter((r) => r.poolId === poolId)
          .map((r) => [r.sampledAt.toISOString(), r.counts])
          .sort(([a], [b]) => String(a).localeCompare(String(b)));
      expect(of(pool.id)).toEqual([
        [iso(T0), { ready: 2, fault: 1 }],
        [iso(T0 + 5 * MINUTE), { ready: 1, fault: 2 }],
        [iso(T0 + 10 * MINUTE), { ready: 1, fault: 1, available: 1 }],
      ]);
      expect(of(empty.id)).toEqual([
        [iso(T0), {}],
        [iso(T0 + 5 * MINUTE), {}],
        [iso(T0 + 10 * MINUTE), {}],
      ]);
      expect(of(gonePool.id)).toEqual([]);
    });

    it("answers the last 24 hours by default, one 5-minute bucket per sample, every state counted", async () => {
      const res = await history();
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        clusterId,
        poolId: pool.id,
        until: iso(T0 + 11 * MINUTE),
        since: iso(T0 + 11 * MINUTE - DAY),
        bucketSeconds: 300,
      });
      expect(res.body.samples).toEqual([
        { at: iso(T0), counts: counts({ ready: 2, fault: 1 }) },
        { at: iso(T0 + 5 * MINUTE), counts: counts({ ready: 1, fault: 2 }) },
        { at: iso(T0 + 10 * MINUTE), counts: counts({ ready: 1, fault: 1, available: 1 }) },
      ]);
      expect(res.body.utilisation).toEqual([]);
      const none = await history("", viewer, `/v1/clusters/${clusterId}/pools/${empty.id}`);
      expect(none.body.samples.map((s: { counts: object }) => s.counts)).toEqual([
        counts({}),
        counts({}),
        counts({}),
      ]);
    });

    it("shows a bucket's last sample when a longer window needs bigger buckets", async () => {
      const res = await history(`?since=${iso(T0 - 2 * DAY)}&until=${iso(T0 + DAY)}`);
      expect(res.status).toBe(200);
      expect(res.body.bucketSeconds).toBe(900);
      expect(res.body.samples).toEqual([
        { at: iso(T0), counts: counts({ ready: 1, fault: 1, available: 1 }) },
      ]);
      // since inclusive, until exclusive
      const middle = await history(`?since=${iso(T0 + 5 * MINUTE)}&until=${iso(T0 + 10 * MINUTE)}`);
      expect(middle.body.samples).toEqual([
        { at: iso(T0 + 5 * MINUTE), counts: counts({ ready: 1, fault: 2 }) },
      ]);
    });

    it("reports utilisation as requested / allocatable per bucket; null when nothing was allocatable", async () => {
      expect((await snapshot(T0 + MINUTE, [500, 1 * GiB], [2000, 4 * GiB])).status).toBe(201);
      expect((await snapshot(T0 + 3 * MINUTE, [1500, 1 * GiB], [2000, 4 * GiB])).status).toBe(201);
      expect((await snapshot(T0 + 6 * MINUTE, [0, 0], [0, 0])).status).toBe(201);
      expect((await snapshot(T0 + 10 * MINUTE, [1000, 3 * GiB], [3000, 4 * GiB])).status).toBe(201);
      const res = await history(`?since=${iso(T0)}&until=${iso(T0 + HOUR)}`);
      expect(res.body.utilisation).toEqual([
        { at: iso(T0), cpu: 0.5, memory: 0.25 },
        { at: iso(T0 + 5 * MINUTE), cpu: null, memory: null },
        { at: iso(T0 + 10 * MINUTE), cpu: 0.3333, memory: 0.75 },
      ]);
    });

    it("falls back to the daily roll-up for a day whose raw snapshots are gone", async () => {
      const day = Date.UTC(2026, 0, 5);
      expect((await snapshot(day + 2 * HOUR, [1000, 1 * GiB], [4000, 4 * GiB])).status).toBe(201);
      expect((await snapshot(day + 5 * HOUR, [3000, 3 * GiB], [8000, 8 * GiB])).status).toBe(201);
      const rawDay = await history(`?since=${iso(day)}&until=${iso(day + DAY)}`);
      expect(rawDay.body.utilisation).toEqual([
        { at: iso(day + 2 * HOUR), cpu: 0.25, memory: 0.25 },
        { at: iso(day + 5 * HOUR), cpu: 0.375, memory: 0.375 },
      ]);
      // the roll-up keeps a daily row (average requests, maximum allocatable) and drops raw rows older than 7 days
      await run(ROLLUP_SNAPSHOTS_JOB);
      const rolled = await history(`?since=${iso(day - DAY)}&until=${iso(day + 2 * DAY)}`);
      expect(rolled.body.bucketSeconds).toBe(900);
      expect(rolled.body.utilisation).toEqual([{ at: iso(day), cpu: 0.25, memory: 0.25 }]);
    });

    it("refuses a bad, empty, reversed or too long window with a 400 envelope", async () => {
      const cases = [
        "?since=yesterday",
        "?since=2026-01-20T12:00:00", // no offset
        `?until=${"9".repeat(200)}`,
        `?since=${iso(T0 + HOUR)}&until=${iso(T0)}`,
        `?since=${iso(T0)}&until=${iso(T0)}`,
        `?since=${iso(T0 + DAY)}`, // the default until (now) is before it
        `?since=${iso(T0 - 31 * DAY - 1)}&until=${iso(T0)}`,
      ];
      for (const query of cases) {
        const res = await history(query);
        expect(res.status, query).toBe(400);
        expect(res.body.error.code, query).toBe("validation_failed");
        expect(res.body.error.message, query).toEqual(expect.any(String));
      }
      const longest = await history(`?since=${iso(T0 - 31 * DAY)}&until=${iso(T0)}`);
      expect(longest.status).toBe(200);
      expect(longest.body.bucketSeconds).toBe(10_800);
    });

    it("is a viewer read that scoped tokens get only for their own cluster; names work as ids", async () => {
      const scoped = await api.tokenFor("viewer", clusterId);
      expect((await history("", scoped)).status).toBe(200);
      const other = await seedCluster(db());
      const foreign = await api.tokenFor("admin", other.id);
      const refused = await history("", foreign);
      expect(refused.status).toBe(404);
      expect(refused.body.error.code).toBe("not_found");
      // the pool under a cluster it does not belong to
      expect((await history("", api.admin, `/v1/clusters/${other.id}/pools/${pool.id}`)).status).toBe(404);
      expect((await history("", agent)).status).toBe(403);
      expect((await api.json("GET", `${path}/history`)).status).toBe(401);
      const cluster = (await db().select().from(clusters).where(eq(clusters.id, clusterId)))[0]!;
      const byName = await history("", viewer, `/v1/clusters/${cluster.name}/pools/${pool.name}`);
      expect(byName.status).toBe(200);
      expect(byName.body.poolId).toBe(pool.id);
      expect(byName.body.samples).toHaveLength(3);
    });

    it("drops samples older than the retention with the purge job", async () => {
      // the cutoff (now - retention) falls at T0 + 8 min: the samples of T0 and T0 + 5 min are older
      clock.advance(RETENTION_MS - 3 * MINUTE);
      await run(PURGE_RETENTION_JOB);
      const left = await db().select().from(poolStatusSamples).where(eq(poolStatusSamples.poolId, pool.id));
      expect(left.map((r) => r.sampledAt.toISOString())).toEqual([iso(T0 + 10 * MINUTE)]);
    });
  });
});
