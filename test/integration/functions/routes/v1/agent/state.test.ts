/**
 * GET /v1/agent/state: the cluster's pools (enabled and disabled) and its
 * machines only, with a weak ETag `W/"<clusterId>:<stateVersion>"`; a matching
 * If-None-Match is a bodiless 304 answered from the state-version cache, so an
 * idle poll costs Postgres at most the credential lookup (nothing at all when
 * the coordination store is shared by every replica and caches it too).
 */
import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database, Db } from "../../../../../../drizzle/client.ts";
import * as schema from "../../../../../../drizzle/schema/index.ts";
import { createApp } from "../../../../../../functions/app.ts";
import { sharedDatabaseSource } from "../../../../../../functions/composition/types.ts";
import { MemoryCoordination } from "../../../../../../functions/lib/coordination/memory.ts";
import type { Coordination } from "../../../../../../functions/lib/coordination/types.ts";
import { agentStateTag, etagMatches } from "../../../../../../functions/services/agent/agent-state.ts";
import { publishStateVersions } from "../../../../../../functions/services/clusters/state-version.ts";
import { systemClock } from "../../../../../../shared/clock.ts";
import { startTestApi, type TestApi } from "../../../../../support/api.ts";
import { seedCluster, seedMachines, seedPool, testContext } from "../../../../../support/fixtures.ts";
import { requirePostgres } from "../../../../../support/postgres.ts";

const ok = await requirePostgres();

describe.skipIf(!ok)("agent state polling", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api?.close());

  async function populatedCluster() {
    const { db } = api.database;
    const cluster = await seedCluster(db);
    const enabled = await seedPool(db, cluster.id, {
      name: "a-gpu",
      maxSize: 7,
      templateLabels: { "ksp.io/pool": "gpu" },
      templateTaints: [{ key: "gpu", value: "true", effect: "NoSchedule" }],
      preJoinHook: "echo pre",
    });
    const disabled = await seedPool(db, cluster.id, { name: "b-off", autoscalingEnabled: false });
    const mine = await seedMachines(db, 2, {
      clusterId: cluster.id,
      poolId: enabled.id,
      status: "ready",
      nodeName: "node-x",
      hostKeyFingerprint: "SHA256:abc",
    });
    const other = await seedCluster(db);
    await seedMachines(db, 1, { clusterId: other.id, status: "available" });
    await seedMachines(db, 1); // free inventory
    const credential = await api.agentCredentialFor(cluster.id);
    return { cluster, enabled, disabled, mine, credential };
  }

  it("returns the cluster's pools and machines with a weak ETag of its state version", async () => {
    const { cluster, enabled, disabled, mine, credential } = await populatedCluster();
    const res = await api.json("GET", "/v1/agent/state", { token: credential });
    expect(res.status).toBe(200);
    expect(res.res.headers.get("etag")).toBe(`W/"${cluster.id}:${cluster.stateVersion}"`);
    expect(res.body.stateVersion).toBe(cluster.stateVersion);
    expect(res.body.pools.map((p: { id: string }) => p.id)).toEqual([enabled.id, disabled.id]);
    expect(res.body.pools[0]).toMatchObject({
      maxSize: 7,
      autoscalingEnabled: true,
      template: { labels: { "ksp.io/pool": "gpu" }, taints: [{ key: "gpu", effect: "NoSchedule" }] },
      hooks: { preJoin: "echo pre", postJoin: null },
      drain: { timeoutSeconds: 600, ignoreDaemonSets: true },
    });
    expect(res.body.pools[1].autoscalingEnabled).toBe(false);
    const ids = mine.map((m) => m.id).sort();
    expect(res.body.machines.map((m: { id: string }) => m.id)).toEqual(ids);
    expect(res.body.machines[0]).toMatchObject({
      status: "ready",
      desiredState: "joined",
      nodeName: "node-x",
      poolId: enabled.id,
      hostKeyFingerprint: "SHA256:abc",
      ssh: { user: "root", port: 22, keyRef: null },
    });
  });

  it("answers a matching If-None-Match with 304 and no body, and a changed state with 200", async () => {
    const { enabled, mine, credential } = await populatedCluster();
    const first = await api.call("GET", "/v1/agent/state", { token: credential });
    const etag = first.headers.get("etag")!;
    for (const header of [etag, etag.replace(/^W\//, ""), `"other", ${etag}`, "*"]) {
      const again = await api.call("GET", "/v1/agent/state", {
        token: credential,
        headers: { "if-none-match": header },
      });
      expect([header, again.status]).toEqual([header, 304]);
      expect(await again.text()).toBe("");
      expect(again.headers.get("etag")).toBe(etag);
    }
    const moved = await api.json("POST", "/v1/agent/transitions", {
      token: credential,
      body: { items: [{ machineId: mine[0]!.id, from: "ready", to: "draining" }] },
    });
    expect(moved.body.summary).toEqual({ applied: 1, failed: 0 });
    const changed = await api.json("GET", "/v1/agent/state", {
      token: credential,
      headers: { "if-none-match": etag },
    });
    expect(changed.status).toBe(200);
    expect(changed.res.headers.get("etag")).not.toBe(etag);
    const drained = changed.body.machines.find((m: { id: string }) => m.id === mine[0]!.id);
    expect(drained).toMatchObject({ status: "draining", desiredState: "absent", poolId: enabled.id });
  });

  /** Polls through an app on `coordination` whose every query is recorded. */
  async function countedPolls(coordination: Coordination, credential: string) {
    const queries: string[] = [];
    const pool = new pg.Pool({ connectionString: api.testDatabase.url, max: 2 });
    const db = drizzle({
      client: pool,
      schema,
      logger: { logQuery: (query) => queries.push(query) },
    }) as unknown as Db;
    const counted: Database = {
      db,
      driver: "node-postgres",
      close: async () => {},
      describe: () => "counted",
    };
    const app = createApp({ ...api.deps, coordination, databases: sharedDatabaseSource(counted) });
    const poll = (etag?: string) =>
      app.request("/v1/agent/state", {
        headers: { authorization: `Bearer ${credential}`, ...(etag ? { "if-none-match": etag } : {}) },
      });
    return { queries, poll, close: () => pool.end() };
  }

  it("serves an idle poll from the cache: no query reaches Postgres (store shared by every replica)", async () => {
    const { cluster, credential } = await populatedCluster();
    const counted = await countedPolls(
      new MemoryCoordination(systemClock, { soleReplica: true }),
      credential,
    );
    try {
      const first = await counted.poll();
      expect(first.status).toBe(200);
      expect(counted.queries.length).toBeGreaterThan(2); // authentication, then the state snapshot
      counted.queries.length = 0;

      const idle = await counted.poll(first.headers.get("etag")!);
      expect(idle.status).toBe(304);
      // the credential and the state version both come from the coordination cache
      expect(counted.queries).toEqual([]);
      expect(first.headers.get("etag")).toBe(`W/"${cluster.id}:${cluster.stateVersion}"`);
    } finally {
      await counted.close();
    }
  });

  it("with an in-process store beside a shared Postgres, an idle poll reads the credential and the version", async () => {
    const { credential } = await populatedCluster();
    const counted = await countedPolls(new MemoryCoordination(systemClock), credential);
    try {
      const first = await counted.poll();
      expect(first.status).toBe(200);
      counted.queries.length = 0;

      const idle = await counted.poll(first.headers.get("etag")!);
      expect(idle.status).toBe(304);
      // another replica may rotate the credential or change the state: neither is trusted from this
      // process's memory
      expect(counted.queries).toHaveLength(2);
      expect(counted.queries[0]).toMatch(/from "clusters" where .*"agent_credential_hash" = \$1/);
      expect(counted.queries[1]).toMatch(/select "state_version" from "clusters" where/);
    } finally {
      await counted.close();
    }
  });

  it("computes the ETag from a cached version without using the database at all", async () => {
    const untouchable = new Proxy({} as Db, {
      get() {
        throw new Error("the database must not be used for a cached state version");
      },
    });
    const ctx = testContext(untouchable, {
      coordination: new MemoryCoordination(systemClock, { soleReplica: true }),
    });
    const clusterId = "7d1e0c5e-0f0e-4c55-9a55-1f4a2b3c4d5e";
    await publishStateVersions(ctx, new Map([[clusterId, 42]]));
    const tag = await agentStateTag({ ctx, input: { clusterId } });
    expect(tag).toBe(`W/"${clusterId}:42"`);
    expect(etagMatches(`"${clusterId}:42"`, tag)).toBe(true);
    expect(etagMatches(`W/"${clusterId}:41"`, tag)).toBe(false);
    expect(etagMatches(undefined, tag)).toBe(false);
  });
});
