/**
 * The pool history inside workerd (the BUNDLED Worker via Miniflare, Postgres
 * through the Neon proxy, Upstash through the bridge): the cron's scheduled()
 * runs the sample-pool-status job from the shared registry, a `job.run`
 * message runs it through queue() too (a no-op in a slot already sampled),
 * and GET .../history answers the sample, bucketed, with the agent's snapshot
 * as utilisation.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openNodePostgres } from "../../drizzle/drivers/node-postgres.ts";
import { apiTokens, machines, poolStatusSamples } from "../../drizzle/schema/index.ts";
import { SAMPLE_POOL_STATUS_JOB } from "../../functions/jobs/sample-pool-status.ts";
import { generateToken, hashToken, tokenDisplayPrefix } from "../../functions/lib/tokens.ts";
import { type NeonProxy, startNeonProxy } from "../support/neon-proxy.ts";
import { createTestDatabase, requirePostgres, type TestDatabase } from "../support/postgres.ts";
import { redisAvailable, startUpstashBridge, type UpstashBridge } from "../support/upstash-bridge.ts";
import { recordUsage } from "../support/usage.ts";
import { QUEUE_NAME, startWorker, type WorkerHarness } from "../support/worker-harness.ts";

const BASE = "http://ksp.test";
const servicesOk = (await redisAvailable()) && (await requirePostgres());

describe.skipIf(!servicesOk)("pool history in workerd", () => {
  const prefix = `kspph${process.pid}:`;
  let database: TestDatabase;
  let proxy: NeonProxy;
  let bridge: UpstashBridge;
  let harness: WorkerHarness;

  beforeAll(async () => {
    recordUsage("service", "workerd (miniflare)");
    database = await createTestDatabase();
    proxy = await startNeonProxy();
    bridge = await startUpstashBridge();
    harness = await startWorker({
      DATABASE_URL: database.url,
      NEON_WS_PROXY: `127.0.0.1:${proxy.port}/v1`,
      UPSTASH_REDIS_REST_URL: bridge.url,
      UPSTASH_REDIS_REST_TOKEN: bridge.token,
      KSP_COORDINATION_PREFIX: prefix,
    });
  });
  afterAll(async () => {
    await harness?.dispose();
    await proxy?.close();
    await bridge?.close();
    await database?.drop();
  });

  it("samples on the cron and answers the history with its utilisation", async () => {
    const admin = generateToken("api");
    const db = await openNodePostgres(database.url);
    try {
      await db.db.insert(apiTokens).values({
        name: "history-admin",
        tokenHash: await hashToken(admin),
        displayPrefix: tokenDisplayPrefix(admin),
        role: "admin",
      });
      const call = async (method: string, path: string, token: string, body?: unknown) => {
        const res = await harness.mf.dispatchFetch(`${BASE}${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await res.text();
        return { status: res.status, body: text ? JSON.parse(text) : undefined };
      };
      const created = await call("POST", "/v1/clusters", admin, { name: "history-wk" });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const clusterId: string = created.body.cluster.id;
      const pool = await call("POST", `/v1/clusters/${clusterId}/pools`, admin, {
        name: "charts",
        maxSize: 3,
      });
      expect(pool.status, JSON.stringify(pool.body)).toBe(201);
      const poolId: string = pool.body.id;
      await db.db.insert(machines).values([
        { hostname: "ph-1", ip: "192.0.2.21", clusterId, poolId, status: "ready" },
        { hostname: "ph-2", ip: "192.0.2.22", clusterId, poolId, status: "maintenance" },
      ]);

      const worker = await harness.handlers();
      expect((await worker.scheduled({ cron: "* * * * *" })).outcome).toBe("ok");
      await expect
        .poll(async () => (await db.db.select().from(poolStatusSamples)).map((r) => r.counts))
        .toEqual([{ ready: 1, maintenance: 1 }]);
      const queued = {
        id: "ph-1",
        timestamp: new Date(),
        body: { type: "job.run", job: SAMPLE_POOL_STATUS_JOB },
      };
      const delivered = await worker.queue(QUEUE_NAME, [{ ...queued, attempts: 1 }]);
      expect(delivered.explicitAcks).toEqual(["ph-1"]);
      // a slot holds one sample (unless the clock crossed a 5-minute boundary in between)
      expect((await db.db.select().from(poolStatusSamples)).length).toBeLessThanOrEqual(2);

      const registered = await harness.mf.dispatchFetch(`${BASE}/v1/agent/register`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          registrationToken: created.body.registrationToken,
          agentVersion: "0.1.0",
          kubernetesVersion: "v1.31.2",
        }),
      });
      expect(registered.status).toBe(201);
      const { credential } = (await registered.json()) as { credential: string };
      const figures = (cpuMillis: number, memoryBytes: number) => ({ cpuMillis, memoryBytes });
      const pushed = await call("POST", "/v1/agent/snapshots", credential, {
        pools: [
          {
            poolId,
            nodeCount: 1,
            capacity: figures(4000, 8 * 2 ** 30),
            allocatable: figures(4000, 8 * 2 ** 30),
            requested: figures(1000, 6 * 2 ** 30),
            usage: figures(0, 0),
          },
        ],
      });
      expect(pushed.status, JSON.stringify(pushed.body)).toBe(201);

      const history = await call("GET", `/v1/clusters/history-wk/pools/charts/history`, admin);
      expect(history.status, JSON.stringify(history.body)).toBe(200);
      expect(history.body).toMatchObject({ clusterId, poolId, bucketSeconds: 300 });
      expect(history.body.samples.at(-1).counts).toMatchObject({ ready: 1, maintenance: 1, available: 0 });
      expect(history.body.utilisation).toEqual([{ at: expect.any(String), cpu: 0.25, memory: 0.75 }]);
      const tooLong = await call(
        "GET",
        `/v1/clusters/${clusterId}/pools/${poolId}/history?since=2026-01-01T00:00:00Z&until=2026-03-01T00:00:00Z`,
        admin,
      );
      expect(tooLong.status).toBe(400);
      expect(tooLong.body.error.code).toBe("validation_failed");
    } finally {
      await db.close();
    }
  });
});
