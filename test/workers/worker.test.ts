/**
 * The BUNDLED Worker (what `npm run build:worker` produces, what `wrangler
 * deploy` would ship) inside workerd via Miniflare: fetch, scheduled and
 * queue handlers, with the JOBS_QUEUE binding of wrangler.toml.
 */
import { readFileSync } from "node:fs";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openNodePostgres } from "../../drizzle/drivers/node-postgres.ts";
import { apiTokens, auditLogs, clusters, machines } from "../../drizzle/schema/index.ts";
import { UpstashCoordination } from "../../functions/lib/coordination/upstash.ts";
import { generateToken, hashToken, tokenDisplayPrefix } from "../../functions/lib/tokens.ts";
import { BUNDLE } from "../../scripts/build-worker.ts";
import { closedPort } from "../support/closed-port.ts";
import { type NeonProxy, startNeonProxy } from "../support/neon-proxy.ts";
import { createTestDatabase, requirePostgres, type TestDatabase } from "../support/postgres.ts";
import { redisAvailable, startUpstashBridge, type UpstashBridge } from "../support/upstash-bridge.ts";
import { recordUsage } from "../support/usage.ts";
import { ensureBundle, QUEUE_NAME, startWorker, type WorkerHarness } from "../support/worker-harness.ts";

type Envelope = { error: { code: string; message: string; requestId: string } };
type Readiness = { status: string; checks: Record<string, { ok: boolean; error?: string; driver?: string }> };

const BASE = "http://ksp.test";
let messageSeq = 0;

function message(body: unknown, attempts = 1) {
  return { id: `m${++messageSeq}`, timestamp: new Date(), body, attempts };
}

describe("worker bundle", () => {
  it("builds with wrangler and carries neither pg nor PGlite", () => {
    recordUsage("service", "workerd (miniflare)");
    const { rawBytes, gzipBytes } = ensureBundle();
    console.log(
      `[workers] bundle ${(rawBytes / 1024).toFixed(1)} KiB (gzip ${(gzipBytes / 1024).toFixed(1)} KiB)`,
    );
    expect(rawBytes).toBeGreaterThan(0);
  });

  it("lists only Worker-safe packages", () => {
    ensureBundle();
    const bundleCode = readFileSync(BUNDLE, "utf8");
    {
      // esbuild marks each bundled module with a "// node_modules/<package>/…" comment.
      const packages = new Set(
        [...bundleCode.matchAll(/^\/\/ node_modules\/((?:@[^/\s]+\/)?[^/\s]+)\//gm)].map((m) => m[1]),
      );
      expect(packages).toContain("@neondatabase/serverless");
      expect(packages).toContain("hono");
      for (const forbidden of ["pg", "pg-pool", "pg-protocol", "@electric-sql/pglite"]) {
        expect(packages, forbidden).not.toContain(forbidden);
      }
      expect(bundleCode).not.toMatch(/pglite/i);
    }
  });
});

describe("worker with an invalid environment", () => {
  let harness: WorkerHarness;
  beforeAll(async () => {
    harness = await startWorker({ DATABASE_URL: "mysql://root:hunter2@db/x" });
  });
  afterAll(() => harness?.dispose());

  it("answers every request with a 500 envelope and logs which variables, not their values", async () => {
    const res = await harness.mf.dispatchFetch(`${BASE}/healthz`, { headers: { "x-request-id": "cfg-1" } });
    expect(res.status).toBe(500);
    expect(res.headers.get("x-request-id")).toBe("cfg-1");
    const body = (await res.json()) as Envelope;
    expect(body.error).toMatchObject({ code: "internal", requestId: "cfg-1" });
    expect(JSON.stringify(body)).not.toContain("hunter2");
    await expect
      .poll(() => harness.logs.find((l) => l.msg?.toString().startsWith("invalid worker environment")))
      .toBeTruthy();
    const line = JSON.stringify(harness.logs);
    expect(line).toContain("DATABASE_URL");
    expect(line).toContain("UPSTASH_REDIS_REST_URL");
    expect(line).not.toContain("hunter2");
  });
});

describe("worker whose dependencies are down", () => {
  let harness: WorkerHarness;
  beforeAll(async () => {
    const port = await closedPort();
    harness = await startWorker({
      DATABASE_URL: `postgres://ksp:secretpw@127.0.0.1:${port}/ksp`,
      UPSTASH_REDIS_REST_URL: `http://127.0.0.1:${port}`,
      UPSTASH_REDIS_REST_TOKEN: "unused",
    });
  });
  afterAll(() => harness?.dispose());

  it("/healthz is 200 with a request id, touching nothing", async () => {
    const res = await harness.mf.dispatchFetch(`${BASE}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(await res.json()).toEqual({ status: "ok" });
    const echoed = await harness.mf.dispatchFetch(`${BASE}/healthz`, {
      headers: { "x-request-id": "wrk-42" },
    });
    expect(echoed.headers.get("x-request-id")).toBe("wrk-42");
  });

  it("/readyz is 503 naming the database and the coordination store", async () => {
    const res = await harness.mf.dispatchFetch(`${BASE}/readyz`);
    expect(res.status).toBe(503);
    const text = await res.text();
    expect(text).not.toContain("secretpw");
    const body = JSON.parse(text) as Readiness;
    expect(body.status).toBe("not_ready");
    expect(body.checks.database?.ok).toBe(false);
    expect(body.checks.coordination?.ok).toBe(false);
  });

  it("unknown routes get the 404 envelope", async () => {
    const res = await harness.mf.dispatchFetch(`${BASE}/nope`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as Envelope).error.code).toBe("not_found");
  });
});

const servicesOk = (await redisAvailable()) && (await requirePostgres());

describe.skipIf(!servicesOk)("worker on Postgres (via the Neon proxy) and Upstash (via the bridge)", () => {
  const prefix = `kspwt${process.pid}:`;
  let database: TestDatabase;
  let proxy: NeonProxy;
  let bridge: UpstashBridge;
  let harness: WorkerHarness;
  let coordination: UpstashCoordination;

  beforeAll(async () => {
    database = await createTestDatabase();
    proxy = await startNeonProxy();
    bridge = await startUpstashBridge();
    coordination = new UpstashCoordination(bridge, { prefix });
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

  it("/readyz is 200 from inside workerd: Neon driver, migrations current, Upstash answering", async () => {
    recordUsage("driver", "neon");
    const res = await harness.mf.dispatchFetch(`${BASE}/readyz`);
    const body = (await res.json()) as Readiness;
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({
      status: "ready",
      checks: {
        database: { ok: true, driver: "neon" },
        migrations: { ok: true },
        coordination: { ok: true },
      },
    });
    expect(proxy.connections()).toBeGreaterThan(0);
  });

  it("serves /v1 from inside workerd: clusters, pools, agent registration, state ETag and allocation", async () => {
    const admin = generateToken("api");
    const db = await openNodePostgres(database.url);
    try {
      await db.db.insert(apiTokens).values({
        name: "workers-admin",
        tokenHash: await hashToken(admin),
        displayPrefix: tokenDisplayPrefix(admin),
        role: "admin",
      });
      const call = async (method: string, path: string, token: string, body?: unknown, headers = {}) => {
        const res = await harness.mf.dispatchFetch(`${BASE}${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...headers },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await res.text();
        return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
      };

      const created = await call("POST", "/v1/clusters", admin, { name: "in-workerd" });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const clusterId: string = created.body.cluster.id;
      const pool = await call("POST", `/v1/clusters/${clusterId}/pools`, admin, { name: "edge", maxSize: 3 });
      expect(pool.status, JSON.stringify(pool.body)).toBe(201);
      const poolId: string = pool.body.id;
      await db.db.insert(machines).values([
        { hostname: "wk-1", ip: "192.0.2.11", cpuCores: 4, memoryBytes: 8 * 2 ** 30 },
        { hostname: "wk-2", ip: "192.0.2.12", cpuCores: 4, memoryBytes: 8 * 2 ** 30 },
      ]);
      const listed = await call("GET", "/v1/clusters?limit=10", admin);
      expect(listed.status).toBe(200);
      expect(listed.body.items.map((c: { name: string }) => c.name)).toContain("in-workerd");

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

      const state = await call("GET", "/v1/agent/state", credential);
      expect(state.status).toBe(200);
      const etag = state.headers.get("etag");
      expect(etag).toBeTruthy();
      const again = await call("GET", "/v1/agent/state", credential, undefined, { "if-none-match": etag });
      expect(again.status).toBe(304);

      const allocation = { poolId, delta: 2, requestId: "workerd-scale-up-1" };
      const first = await call("POST", "/v1/agent/allocations", credential, allocation);
      expect(first.status, JSON.stringify(first.body)).toBe(200);
      expect(first.body.machines).toHaveLength(2);
      const retry = await call("POST", "/v1/agent/allocations", credential, allocation);
      expect(retry.body.machines.map((m: { id: string }) => m.id).sort()).toEqual(
        first.body.machines.map((m: { id: string }) => m.id).sort(),
      );
      const changed = await call("GET", "/v1/agent/state", credential, undefined, { "if-none-match": etag });
      expect(changed.status).toBe(200);
    } finally {
      await db.close();
    }
  });

  it("scheduled() runs the jobs against Postgres: a silent cluster goes offline", async () => {
    const db = await openNodePostgres(database.url);
    try {
      const [silent] = await db.db
        .insert(clusters)
        .values({ name: "silent", status: "active", lastHeartbeatAt: new Date(Date.now() - 86_400_000) })
        .returning();
      const worker = await harness.handlers();
      expect((await worker.scheduled({ cron: "* * * * *" })).outcome).toBe("ok");
      const [after] = await db.db.select().from(clusters).where(eq(clusters.id, silent!.id));
      expect(after?.status).toBe("offline");
    } finally {
      await db.close();
    }
  });

  it("scheduled() runs the registered jobs", async () => {
    const worker = await harness.handlers();
    const result = await worker.scheduled({ cron: "* * * * *" });
    expect(result.outcome).toBe("ok");
    await expect
      .poll(() => harness.logs.find((l) => l.msg === "scheduler heartbeat"))
      .toMatchObject({ job: "heartbeat", trigger: "cron:* * * * *" });
  });

  it("queue() acks a job message that succeeds and parks one that never can", async () => {
    const worker = await harness.handlers();
    const ok = message({ type: "job.run", job: "heartbeat" });
    const unknown = message({ type: "job.run", job: "no-such-job" });
    const garbage = message("not json we know");
    const result = await worker.queue(QUEUE_NAME, [ok, unknown, garbage]);
    expect(result.outcome).toBe("ok");
    expect([...result.explicitAcks].sort()).toEqual([ok.id, unknown.id, garbage.id].sort());
    expect(result.retryMessages).toEqual([]);
  });

  it("queue() retries a failing message with backoff, then parks it after the last attempt", async () => {
    // The job is "running elsewhere": its lock is held, so the delivery fails and must come back later.
    const lock = await coordination.acquireLock("job:heartbeat", 60_000);
    expect(lock).not.toBeNull();
    try {
      const worker = await harness.handlers();
      const first = message({ type: "job.run", job: "heartbeat" }, 1);
      const second = message({ type: "job.run", job: "heartbeat" }, 2);
      const last = message({ type: "job.run", job: "heartbeat" }, 5);
      const result = await worker.queue(QUEUE_NAME, [first, second, last]);
      expect(result.outcome).toBe("ok");
      expect(result.retryMessages).toEqual([
        { msgId: first.id, delaySeconds: 5 },
        { msgId: second.id, delaySeconds: 10 },
      ]);
      expect(result.explicitAcks).toEqual([last.id]);
      await expect
        .poll(() => harness.logs.find((l) => l.msg === "queue message parked" && l.id === last.id))
        .toMatchObject({ attempts: 5, reason: expect.stringMatching(/gave up after 5 attempts/) });
    } finally {
      if (lock) await coordination.releaseLock(lock);
    }
  });
});

/**
 * On Workers the client address is CF-Connecting-IP, which Cloudflare's edge
 * sets (overwriting any a client sent): X-Forwarded-For is whatever the client
 * wrote and must not decide the audit row's address or the failed-auth bucket.
 */
describe.skipIf(!servicesOk)("worker client address: CF-Connecting-IP, never X-Forwarded-For", () => {
  const prefix = `kspwtip${process.pid}${Math.random().toString(36).slice(2, 8)}:`;
  const AUTH_FAILURES_PER_MINUTE = 3;
  let database: TestDatabase;
  let proxy: NeonProxy;
  let bridge: UpstashBridge;
  let harness: WorkerHarness;

  beforeAll(async () => {
    database = await createTestDatabase();
    proxy = await startNeonProxy();
    bridge = await startUpstashBridge();
    harness = await startWorker({
      DATABASE_URL: database.url,
      NEON_WS_PROXY: `127.0.0.1:${proxy.port}/v1`,
      UPSTASH_REDIS_REST_URL: bridge.url,
      UPSTASH_REDIS_REST_TOKEN: bridge.token,
      KSP_COORDINATION_PREFIX: prefix,
      KSP_AUTH_FAILURES_PER_MINUTE: String(AUTH_FAILURES_PER_MINUTE),
    });
  });
  afterAll(async () => {
    await harness?.dispose();
    await proxy?.close();
    await bridge?.close();
    await database?.drop();
  });

  it("the audit row of a mutating request carries CF-Connecting-IP, not X-Forwarded-For", async () => {
    const admin = generateToken("api");
    const db = await openNodePostgres(database.url);
    try {
      await db.db.insert(apiTokens).values({
        name: "workers-admin",
        tokenHash: await hashToken(admin),
        displayPrefix: tokenDisplayPrefix(admin),
        role: "admin",
      });
      const requestId = `wrk-audit-ip-${process.pid}`;
      const res = await harness.mf.dispatchFetch(`${BASE}/v1/clusters`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${admin}`,
          "content-type": "application/json",
          "x-request-id": requestId,
          "cf-connecting-ip": "203.0.113.7",
          "x-forwarded-for": "198.51.100.99, 192.0.2.1",
        },
        body: JSON.stringify({ name: "audited-from-the-edge" }),
      });
      expect(res.status, await res.clone().text()).toBe(201);
      const rows = () =>
        db.db
          .select({ ip: auditLogs.ip, statusCode: auditLogs.statusCode, action: auditLogs.action })
          .from(auditLogs)
          .where(eq(auditLogs.requestId, requestId));
      await expect.poll(rows).toEqual([expect.objectContaining({ ip: "203.0.113.7", statusCode: 201 })]);
    } finally {
      await db.close();
    }
  });

  it("failed authentications are limited per CF-Connecting-IP: rotating X-Forwarded-For does not escape", async () => {
    const bogus = generateToken("api"); // well-formed, never stored
    let hop = 0;
    const attempt = (cfConnectingIp: string) =>
      harness.mf.dispatchFetch(`${BASE}/v1/clusters`, {
        headers: {
          authorization: `Bearer ${bogus}`,
          "cf-connecting-ip": cfConnectingIp,
          // a fresh "client" every time, as a spoofing caller would send
          "x-forwarded-for": `198.51.100.${++hop}`,
        },
      });
    const attacker = "203.0.113.20";
    for (let i = 0; i < AUTH_FAILURES_PER_MINUTE; i++) {
      const res = await attempt(attacker);
      expect(res.status, `attempt ${i + 1}`).toBe(401);
      await res.body?.cancel();
    }
    for (let i = 0; i < 2; i++) {
      const limited = await attempt(attacker);
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(((await limited.json()) as Envelope).error.code).toBe("rate_limited");
    }
    // another address the edge vouches for has its own bucket
    const other = await attempt("203.0.113.21");
    expect(other.status).toBe(401);
    expect(((await other.json()) as Envelope).error.code).toBe("unauthorized");
  });
});
