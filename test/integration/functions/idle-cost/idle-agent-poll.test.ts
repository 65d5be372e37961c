/**
 * What an idle agent costs, counted on real parts: the real app on Postgres
 * (node-postgres, every statement counted on pg's Client) and Upstash
 * coordination over real Redis through the REST bridge (every command
 * counted). An unchanged poll must cost at most one Redis command and no
 * Postgres query, and stay so (no TTL-driven re-read); a change, a rotated or
 * re-registered credential and a deleted cluster must be seen by the very
 * next poll; an unchanged heartbeat must not write Postgres.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UpstashCoordination } from "../../../../functions/lib/coordination/upstash.ts";
import { startTestApi, type TestApi } from "../../../support/api.ts";
import { countPostgresTraffic, type PostgresTraffic } from "../../../support/db-drivers.ts";
import { requirePostgres } from "../../../support/postgres.ts";
import { redisAvailable, startUpstashBridge, type UpstashBridge } from "../../../support/upstash-bridge.ts";

const ok = (await requirePostgres()) && (await redisAvailable());

describe.skipIf(!ok)("an idle agent on Upstash and Postgres", () => {
  let api: TestApi;
  let bridge: UpstashBridge;
  let pg: PostgresTraffic;

  beforeAll(async () => {
    bridge = await startUpstashBridge();
    // before the database opens: the counter wraps pg's Client (test/support/db-drivers.ts)
    pg = countPostgresTraffic();
    const coordination = new UpstashCoordination(
      { url: bridge.url, token: bridge.token },
      { prefix: `ksp-test-${randomUUID()}:` },
    );
    api = await startTestApi({ coordination });
  });
  afterAll(async () => {
    pg?.stop();
    await api?.close();
    await bridge?.close();
  });

  /** Redis commands and Postgres queries `work` cost. */
  async function cost<T>(work: () => Promise<T>): Promise<{ redis: number; postgres: number; result: T }> {
    const [r0, p0] = [bridge.stats().commands, pg.counts().queries];
    const result = await work();
    return { redis: bridge.stats().commands - r0, postgres: pg.counts().queries - p0, result };
  }

  async function registeredCluster(): Promise<{ clusterId: string; credential: string }> {
    const created = await api.json("POST", "/v1/clusters", {
      token: api.admin,
      body: { name: `idle-${randomUUID().slice(0, 8)}` },
    });
    expect(created.status).toBe(201);
    return register(created.body.cluster.id, created.body.registrationToken);
  }

  async function register(clusterId: string, registrationToken: string) {
    const res = await api.json("POST", "/v1/agent/register", {
      body: { registrationToken, agentVersion: "0.1.0", kubernetesVersion: "v1.31.2" },
    });
    expect(res.status).toBe(201);
    return { clusterId, credential: res.body.credential as string };
  }

  const poll = (credential: string, etag?: string) =>
    api.call("GET", "/v1/agent/state", {
      token: credential,
      ...(etag ? { headers: { "if-none-match": etag } } : {}),
    });

  /** A first full poll, then one more so every cache entry is warm; returns the ETag. */
  async function warm(credential: string): Promise<string> {
    const first = await poll(credential);
    expect(first.status).toBe(200);
    const etag = first.headers.get("etag")!;
    expect((await poll(credential, etag)).status).toBe(304);
    return etag;
  }

  it("answers an unchanged poll with one Redis command and no Postgres query, poll after poll", async () => {
    const { credential } = await registeredCluster();
    const etag = await warm(credential);
    for (let i = 0; i < 20; i++) {
      const { redis, postgres, result } = await cost(() => poll(credential, etag));
      expect(result.status).toBe(304);
      expect(result.headers.get("etag")).toBe(etag);
      expect({ redis, postgres }).toEqual({ redis: 1, postgres: 0 });
    }
  });

  it("still counts the 304s against the agent's rate limit", async () => {
    const limited = await startTestApi({
      coordination: new UpstashCoordination(
        { url: bridge.url, token: bridge.token },
        { prefix: `ksp-test-${randomUUID()}:` },
      ),
      policy: { rateLimitPerMinute: 4 },
    });
    try {
      const created = await limited.json("POST", "/v1/clusters", {
        token: limited.admin,
        body: { name: `limited-${randomUUID().slice(0, 8)}` },
      });
      const registered = await limited.json("POST", "/v1/agent/register", {
        body: {
          registrationToken: created.body.registrationToken,
          agentVersion: "0.1.0",
          kubernetesVersion: "v1.31.2",
        },
      });
      const credential = registered.body.credential as string;
      const call = (etag?: string) =>
        limited.call("GET", "/v1/agent/state", {
          token: credential,
          ...(etag ? { headers: { "if-none-match": etag } } : {}),
        });
      const etag = (await call()).headers.get("etag")!;
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await call(etag)).status);
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
      expect(statuses[0]).toBe(304);
    } finally {
      await limited.close();
    }
  });

  it("answers the next poll after a change with the new state", async () => {
    const { clusterId, credential } = await registeredCluster();
    const etag = await warm(credential);
    const pool = await api.json("POST", `/v1/clusters/${clusterId}/pools`, {
      token: api.admin,
      body: { name: "workers", maxSize: 3 },
    });
    expect(pool.status).toBe(201);
    const next = await poll(credential, etag);
    expect(next.status).toBe(200);
    expect(next.headers.get("etag")).not.toBe(etag);
    expect(((await next.json()) as { pools: { name: string }[] }).pools.map((p) => p.name)).toEqual([
      "workers",
    ]);
  });

  it("refuses a rotated credential on the next poll, and the new one is idle-cheap at once", async () => {
    const { credential } = await registeredCluster();
    const etag = await warm(credential);
    const rotated = await api.json("POST", "/v1/agent/credential/rotate", { token: credential });
    expect(rotated.status).toBeLessThan(300);
    expect((await poll(credential, etag)).status).toBe(401);
    const fresh = rotated.body.credential as string;
    expect((await poll(fresh, etag)).status).toBe(304);
    const { redis, postgres } = await cost(() => poll(fresh, etag));
    expect({ redis, postgres }).toEqual({ redis: 1, postgres: 0 });
  });

  it("refuses the old credential on the next poll after a re-registration", async () => {
    const { clusterId, credential } = await registeredCluster();
    const etag = await warm(credential);
    const reissued = await api.json("POST", `/v1/clusters/${clusterId}/registration-token`, {
      token: api.admin,
    });
    expect(reissued.status).toBeLessThan(300);
    const again = await register(clusterId, reissued.body.registrationToken);
    expect((await poll(credential, etag)).status).toBe(401);
    expect([200, 304]).toContain((await poll(again.credential, etag)).status);
  });

  it("refuses the credential of a deleted cluster on the next poll", async () => {
    const { clusterId, credential } = await registeredCluster();
    const etag = await warm(credential);
    const deleted = await api.call("DELETE", `/v1/clusters/${clusterId}`, { token: api.admin });
    expect(deleted.status).toBeLessThan(300);
    expect((await poll(credential, etag)).status).toBe(401);
  });

  it("writes an unchanged heartbeat to Postgres at most once per half the degraded threshold", async () => {
    const { credential } = await registeredCluster();
    const beat = (ready: number) =>
      api.json("POST", "/v1/agent/heartbeat", {
        token: credential,
        body: {
          agentVersion: "0.1.0",
          kubernetesVersion: "v1.31.2",
          nodeCounts: { total: 3, ready },
          leader: { identity: "agent-0", since: "2026-12-01T00:00:00.000Z" },
        },
      });
    const first = await cost(() => beat(3));
    expect(first.result.status).toBe(200);
    expect(first.postgres).toBeGreaterThan(0);
    const same = await cost(() => beat(3));
    expect(same.result.status).toBe(200);
    expect(same.result.body.stateVersion).toBe(first.result.body.stateVersion);
    expect(same.postgres).toBe(0);
    // what the agent reports changed: written at once
    const changed = await cost(() => beat(2));
    expect(changed.postgres).toBeGreaterThan(0);
  });
});
