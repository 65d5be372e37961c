/**
 * What an idle scheduler tick costs, counted on real parts: the real
 * registry, runner, in-process queue and consumer, on Postgres (every
 * statement counted on pg's Client) with Upstash coordination over real Redis
 * through the REST bridge (every command counted), driven by a ManualClock.
 * After a first tick has looked, an idle tick must make no Postgres query and
 * one Redis command; a write that creates work (a reservation) must be seen by
 * the next tick, and its expiry must still happen on time.
 */
import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { machines } from "../../../../drizzle/schema/index.ts";
import { wireJobs } from "../../../../functions/composition/jobs.ts";
import { EXPIRE_RESERVATIONS_JOB } from "../../../../functions/jobs/expire-reservations.ts";
import { idleMarkerKey } from "../../../../functions/jobs/idle.ts";
import { defaultJobRegistry } from "../../../../functions/jobs/registry.ts";
import { runScheduledJobs } from "../../../../functions/jobs/runner.ts";
import type { JobOutcome } from "../../../../functions/jobs/types.ts";
import { UpstashCoordination } from "../../../../functions/lib/coordination/upstash.ts";
import { nodeApiServerProbe } from "../../../../functions/lib/kube-probe/node-probe.ts";
import { InProcessQueue } from "../../../../functions/queue/in-process.ts";
import { transitionMachine } from "../../../../functions/services/machines/transition-machine.ts";
import { ManualClock } from "../../../../shared/clock.ts";
import { startTestApi, type TestApi } from "../../../support/api.ts";
import { countPostgresTraffic, type PostgresTraffic } from "../../../support/db-drivers.ts";
import { seedCluster, seedMachine, seedPool, testContext } from "../../../support/fixtures.ts";
import { requirePostgres } from "../../../support/postgres.ts";
import { redisAvailable, startUpstashBridge, type UpstashBridge } from "../../../support/upstash-bridge.ts";

const ok = (await requirePostgres()) && (await redisAvailable());
const TTL_MS = 15 * 60_000;
const MINUTE = 60_000;

describe.skipIf(!ok)("an idle scheduler tick on Upstash and Postgres", () => {
  let api: TestApi;
  let bridge: UpstashBridge;
  let pg: PostgresTraffic;
  let queue: InProcessQueue;
  let jobs: ReturnType<typeof wireJobs>;
  // after the strategy hour, so evaluate-strategies has its day to fan out and remember
  const clock = new ManualClock(Date.UTC(2026, 0, 10, 12, 0, 0));

  beforeAll(async () => {
    bridge = await startUpstashBridge();
    pg = countPostgresTraffic();
    const coordination = new UpstashCoordination(
      { url: bridge.url, token: bridge.token },
      { prefix: `ksp-test-${randomUUID()}:`, clock },
    );
    api = await startTestApi({ clock, coordination, policy: { reservationTtlMs: TTL_MS } });
    // as both runtimes wire one; never called here (no kubeconfig is stored)
    api.deps.apiServerProbe = nodeApiServerProbe();
    let consumeBatch: ReturnType<typeof wireJobs>["consumeBatch"] | undefined;
    queue = new InProcessQueue({
      clock,
      logger: api.deps.logger,
      consumeBatch: (deliveries) => consumeBatch!(deliveries),
    });
    jobs = wireJobs({ app: api.deps, queue, registry: defaultJobRegistry() });
    consumeBatch = jobs.consumeBatch;
  });
  afterAll(async () => {
    pg?.stop();
    await api?.close();
    await bridge?.close();
  });

  async function tick(): Promise<{ redis: number; postgres: number; outcomes: JobOutcome[] }> {
    const [r0, p0] = [bridge.stats().commands, pg.counts().queries];
    const outcomes = await runScheduledJobs(jobs.runner, "test");
    expect(outcomes.filter((o) => o.outcome !== "ok")).toEqual([]);
    return { redis: bridge.stats().commands - r0, postgres: pg.counts().queries - p0, outcomes };
  }
  const ran = (outcomes: JobOutcome[]) =>
    outcomes.filter((o) => !(o.outcome === "ok" && o.idle)).map((o) => o.job);

  it("looks in Postgres on the first tick, then answers idle ticks from one Redis command", async () => {
    const first = await tick();
    expect(first.postgres).toBeGreaterThan(0);
    for (let minute = 0; minute < 10; minute++) {
      clock.advance(MINUTE);
      const idle = await tick();
      expect(idle.postgres).toBe(0);
      expect(idle.redis).toBe(1);
      // the heartbeat job only logs: it runs, without a lock
      expect(ran(idle.outcomes)).toEqual(["heartbeat"]);
    }
  });

  it("sees a reservation on the next tick, idles until it is due, then expires it", async () => {
    const cluster = await seedCluster(api.database.db);
    const pool = await seedPool(api.database.db, cluster.id);
    const machine = await seedMachine(api.database.db);
    const ctx = testContext(api.database.db, { clock, coordination: api.deps.coordination });
    await transitionMachine({
      ctx,
      input: {
        machineId: machine.id,
        from: "available",
        to: "reserved",
        patch: { clusterId: cluster.id, poolId: pool.id, providerId: `ksp://${machine.id}` },
        metadata: { fromFreeInventory: true },
      },
    });
    clock.advance(MINUTE);
    const noticed = await tick();
    expect(ran(noticed.outcomes)).toContain(EXPIRE_RESERVATIONS_JOB);
    expect(noticed.postgres).toBeGreaterThan(0);
    expect(queue.pendingCount).toBe(0); // not due yet

    clock.advance(MINUTE);
    const waiting = await tick();
    expect(waiting.postgres).toBe(0);
    expect(ran(waiting.outcomes)).toEqual(["heartbeat"]);

    clock.advance(TTL_MS);
    const due = await tick();
    expect(ran(due.outcomes)).toContain(EXPIRE_RESERVATIONS_JOB);
    expect(await queue.processDue()).toBe(1);
    const [row] = await api.database.db.select().from(machines).where(eq(machines.id, machine.id));
    expect(row?.status).toBe("available");
  });

  it("looks in Postgres again when a marker is lost", async () => {
    clock.advance(MINUTE);
    await tick(); // settle after the expiry's own writes
    clock.advance(MINUTE);
    expect((await tick()).postgres).toBe(0);
    await api.deps.coordination.cacheDelete(idleMarkerKey(EXPIRE_RESERVATIONS_JOB));
    // same minute (and 5-minute sampling slot): only the job that lost its marker looks
    const lost = await tick();
    expect(ran(lost.outcomes)).toEqual(["heartbeat", EXPIRE_RESERVATIONS_JOB]);
    expect(lost.postgres).toBeGreaterThan(0);
    expect((await tick()).postgres).toBe(0);
  });
});
