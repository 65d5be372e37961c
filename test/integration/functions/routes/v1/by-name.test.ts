/**
 * Clusters, pools and machines are addressable by name wherever an id is
 * accepted: a cluster by its name, a pool by its name inside the path's
 * cluster or as "cluster/pool", a machine by its hostname. Names resolve only
 * inside what the caller may see; a name that matches several resources is a
 * 409 listing them.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type TestApi } from "../../../../support/api.ts";
import { seedCluster, seedMachine, seedPool, uniqueIp } from "../../../../support/fixtures.ts";
import { requirePostgres } from "../../../../support/postgres.ts";

const ok = await requirePostgres();

describe.skipIf(!ok)("addressing resources by name", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api?.close());

  const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;
  const get = (path: string, token = api.admin) => api.json("GET", path, { token });

  async function fleet() {
    const cluster = await seedCluster(api.database.db, { name: unique("demo") });
    const pool = await seedPool(api.database.db, cluster.id, { name: "workers" });
    return { cluster, pool };
  }

  it("gets and changes a cluster and its pool by name", async () => {
    const { cluster, pool } = await fleet();
    const byName = await get(`/v1/clusters/${cluster.name}`);
    expect(byName.status).toBe(200);
    expect(byName.body.id).toBe(cluster.id);

    const poolByName = await get(`/v1/clusters/${cluster.name}/pools/workers`);
    expect(poolByName.status).toBe(200);
    expect(poolByName.body.id).toBe(pool.id);

    const patched = await api.json("PATCH", `/v1/clusters/${cluster.name}/pools/workers`, {
      token: api.admin,
      body: { maxSize: 7 },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ id: pool.id, maxSize: 7 });

    const described = await api.json("PATCH", `/v1/clusters/${cluster.name}`, {
      token: api.admin,
      body: { description: "by name" },
    });
    expect(described.status).toBe(200);
    expect(described.body).toMatchObject({ id: cluster.id, description: "by name" });
  });

  it("answers 404 naming what was not found", async () => {
    const { cluster } = await fleet();
    const missingCluster = await get("/v1/clusters/no-such-cluster");
    expect(missingCluster.status).toBe(404);
    expect(missingCluster.body.error.message).toContain("no-such-cluster");
    const missingPool = await get(`/v1/clusters/${cluster.name}/pools/nope`);
    expect(missingPool.status).toBe(404);
    expect(missingPool.body.error.message).toContain("nope");
  });

  it("reads a pool as cluster/pool where no cluster is named, and refuses an ambiguous bare pool name", async () => {
    const a = await fleet();
    const b = await fleet();
    const one = await get(`/v1/machines?poolId=${encodeURIComponent(`${a.cluster.name}/workers`)}`);
    expect(one.status).toBe(200);

    const ambiguous = await get("/v1/machines?poolId=workers");
    expect(ambiguous.status).toBe(409);
    expect(ambiguous.body.error.code).toBe("conflict");
    const candidates = ambiguous.body.error.details.candidates as { id: string; name: string }[];
    expect(candidates.map((c) => c.id)).toEqual(expect.arrayContaining([a.pool.id, b.pool.id]));
    expect(candidates.map((c) => c.name)).toContain(`${a.cluster.name}/workers`);
  });

  it("gets and changes a machine by hostname; two live machines with one hostname are a 409 listing both", async () => {
    const hostname = unique("node");
    const machine = await seedMachine(api.database.db, { hostname });
    const byName = await get(`/v1/machines/${hostname}`);
    expect(byName.status).toBe(200);
    expect(byName.body.id).toBe(machine.id);

    const patched = await api.json("PATCH", `/v1/machines/${hostname}`, {
      token: api.admin,
      body: { rack: "r7" },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ id: machine.id, rack: "r7" });

    const twin = await seedMachine(api.database.db, { hostname, ip: uniqueIp() });
    const ambiguous = await get(`/v1/machines/${hostname}`);
    expect(ambiguous.status).toBe(409);
    expect(ambiguous.body.error.details.candidates.map((c: { id: string }) => c.id).sort()).toEqual(
      [machine.id, twin.id].sort(),
    );
    // the id still reaches each of them
    expect((await get(`/v1/machines/${twin.id}`)).body.hostname).toBe(hostname);
  });

  it("prefers a live machine over an archived one with the same hostname", async () => {
    const hostname = unique("node");
    await seedMachine(api.database.db, { hostname, status: "archived" });
    const live = await seedMachine(api.database.db, { hostname });
    const found = await get(`/v1/machines/${hostname}`);
    expect(found.status).toBe(200);
    expect(found.body.id).toBe(live.id);
  });

  it("resolves names only inside a scoped token's cluster", async () => {
    const mine = await fleet();
    const theirs = await fleet();
    const scoped = await api.tokenFor("operator", mine.cluster.id);
    expect((await get(`/v1/clusters/${mine.cluster.name}`, scoped)).status).toBe(200);
    const other = await get(`/v1/clusters/${theirs.cluster.name}`, scoped);
    expect(other.status).toBe(404);
    // a bare pool name that two clusters share is not ambiguous to a token that sees one of them
    const pools = await get("/v1/machines?poolId=workers", scoped);
    expect(pools.status).toBe(200);
    const foreignHost = unique("node");
    await seedMachine(api.database.db, { hostname: foreignHost, clusterId: theirs.cluster.id });
    expect((await get(`/v1/machines/${foreignHost}`, scoped)).status).toBe(404);
  });

  it("checks the caller's role before it looks any name up", async () => {
    const viewer = await api.tokenFor("viewer");
    const refused = await api.json("PATCH", "/v1/clusters/no-such-cluster", {
      token: viewer,
      body: { description: "x" },
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("forbidden");
  });

  it("refuses cluster and pool names shaped like UUIDs, which would read as ids", async () => {
    const created = await api.json("POST", "/v1/clusters", {
      token: api.admin,
      body: { name: randomUUID() },
    });
    expect(created.status).toBe(400);
    const { cluster } = await fleet();
    const pool = await api.json("POST", `/v1/clusters/${cluster.name}/pools`, {
      token: api.admin,
      body: { name: randomUUID(), minSize: 0, maxSize: 1 },
    });
    expect(pool.status).toBe(400);
  });
});
