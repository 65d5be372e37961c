/**
 * The machine verbs and the import take names wherever they take ids: the
 * machine in the path by hostname, the target cluster and pool in the body or
 * query by name (the pool also as "cluster/pool"). What is stored and audited
 * is always the ids. A cluster-scoped token cannot reach another cluster
 * through a body or query, whether it names it or gives its id.
 * (Reads and pool/cluster paths by name: by-name.test.ts.)
 */
import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLogs, machines } from "../../../../../../drizzle/schema/index.ts";
import { startTestApi, type TestApi } from "../../../../../support/api.ts";
import { seedCluster, seedMachine, seedPool, uniqueIp } from "../../../../../support/fixtures.ts";
import { requirePostgres } from "../../../../../support/postgres.ts";

const ok = await requirePostgres();

describe.skipIf(!ok)("machine verbs and imports by name", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api?.close());

  const db = () => api.database.db;
  const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;
  const post = (path: string, body: unknown, token = api.admin) => api.json("POST", path, { token, body });
  const machineRow = async (id: string) =>
    (await db().select().from(machines).where(eq(machines.id, id)))[0]!;
  const auditOf = async (res: Response) =>
    (
      await db()
        .select()
        .from(auditLogs)
        .where(eq(auditLogs.requestId, res.headers.get("x-request-id")!))
    )[0];

  /** A cluster and one pool, both with names no other test uses. */
  async function fleet() {
    const cluster = await seedCluster(db(), { name: unique("fleet") });
    const pool = await seedPool(db(), cluster.id, { name: unique("pool") });
    return { cluster, pool };
  }

  it("assigns, moves and unassigns a machine named by hostname, into pools named by name or cluster/pool", async () => {
    const a = await fleet();
    const b = await fleet();
    const hostname = unique("node");
    const machine = await seedMachine(db(), { hostname });

    const assigned = await post(`/v1/machines/${hostname}/assign`, {
      clusterId: a.cluster.name,
      poolId: a.pool.name,
    });
    expect(assigned.status).toBe(200);
    expect(assigned.body).toMatchObject({ id: machine.id, clusterId: a.cluster.id, poolId: a.pool.id });
    // the audit row names the resources by id, never by the names the request used
    expect(await auditOf(assigned.res)).toMatchObject({
      action: "machine.assign",
      result: "success",
      resourceId: machine.id,
      clusterId: a.cluster.id,
    });

    const moved = await post(`/v1/machines/${hostname}/move`, {
      clusterId: b.cluster.name,
      poolId: `${b.cluster.name}/${b.pool.name}`,
    });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ id: machine.id, clusterId: b.cluster.id, poolId: b.pool.id });

    const unassigned = await post(`/v1/machines/${hostname}/unassign`, {});
    expect(unassigned.status).toBe(200);
    expect(await machineRow(machine.id)).toMatchObject({ clusterId: null, poolId: null });
  });

  it("refuses a cluster/pool that is not in the cluster the body names, and names unknown ones in a 404", async () => {
    const a = await fleet();
    const b = await fleet();
    const machine = await seedMachine(db(), { hostname: unique("node") });

    const crossed = await post(`/v1/machines/${machine.id}/assign`, {
      clusterId: a.cluster.name,
      poolId: `${b.cluster.name}/${b.pool.name}`,
    });
    expect(crossed.status).toBe(400);
    expect(crossed.body.error.code).toBe("validation_failed");

    const noCluster = await post(`/v1/machines/${machine.id}/assign`, {
      clusterId: "no-such-fleet",
      poolId: a.pool.name,
    });
    expect(noCluster.status).toBe(404);
    expect(noCluster.body.error.message).toContain("no-such-fleet");

    const noPool = await post(`/v1/machines/${machine.id}/assign`, {
      clusterId: a.cluster.name,
      poolId: "no-such-pool",
    });
    expect(noPool.status).toBe(404);
    expect(noPool.body.error.message).toContain("no-such-pool");

    const noMachine = await post("/v1/machines/no-such-host/maintenance", { reason: "disk" });
    expect(noMachine.status).toBe(404);
    expect(noMachine.body.error.message).toContain("no-such-host");

    const noListed = await api.json("GET", "/v1/machines?clusterId=no-such-fleet", { token: api.admin });
    expect(noListed.status).toBe(404);
    expect(noListed.body.error.message).toContain("no-such-fleet");

    expect(await machineRow(machine.id)).toMatchObject({ clusterId: null, version: machine.version });
  });

  it("takes a machine in and out of maintenance by hostname", async () => {
    const hostname = unique("node");
    const machine = await seedMachine(db(), { hostname });
    const down = await post(`/v1/machines/${hostname}/maintenance`, { reason: "new disk" });
    expect(down.status).toBe(200);
    expect(down.body).toMatchObject({ id: machine.id, status: "maintenance", statusReason: "new disk" });
    const up = await post(`/v1/machines/${hostname}/restore`, {});
    expect(up.status).toBe(200);
    expect(up.body).toMatchObject({ id: machine.id, status: "available" });
  });

  it("a scoped token cannot move its machine to another cluster, named by name or by id", async () => {
    const mine = await fleet();
    const theirs = await fleet();
    const machine = await seedMachine(db(), {
      hostname: unique("node"),
      clusterId: mine.cluster.id,
      poolId: mine.pool.id,
    });
    const scoped = await api.tokenFor("operator", mine.cluster.id);

    const byName = await post(
      `/v1/machines/${machine.hostname}/move`,
      { clusterId: theirs.cluster.name, poolId: theirs.pool.name },
      scoped,
    );
    expect(byName.status).toBe(404);
    const byId = await post(
      `/v1/machines/${machine.id}/move`,
      { clusterId: theirs.cluster.id, poolId: theirs.pool.id },
      scoped,
    );
    expect(byId.status).toBe(404);
    expect(byId.body.error.code).toBe("not_found");
    expect(await machineRow(machine.id)).toMatchObject({
      clusterId: mine.cluster.id,
      poolId: mine.pool.id,
      version: machine.version,
    });

    // its own cluster, by name, is fine
    const second = await seedPool(db(), mine.cluster.id, { name: unique("pool") });
    const own = await post(
      `/v1/machines/${machine.hostname}/move`,
      { clusterId: mine.cluster.name, poolId: second.name },
      scoped,
    );
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ clusterId: mine.cluster.id, poolId: second.id });
  });

  it("refuses a scoped token's identity confirmation before looking the machine up", async () => {
    const mine = await fleet();
    const theirs = await fleet();
    const foreign = await seedMachine(db(), { hostname: unique("node"), clusterId: theirs.cluster.id });
    const scoped = await api.tokenFor("operator", mine.cluster.id);
    // 403 whether or not the hostname exists: the refusal tells nothing about other clusters
    for (const ref of [foreign.hostname, "no-such-host"]) {
      const res = await post(`/v1/machines/${ref}/confirm-identity`, {}, scoped);
      expect(res.status, ref).toBe(403);
      expect(res.body.error.code).toBe("forbidden");
    }
  });

  it("imports into a pool named by cluster and pool names", async () => {
    const { cluster, pool } = await fleet();
    const ip = uniqueIp();
    const query = `clusterId=${cluster.name}&poolId=${encodeURIComponent(`${cluster.name}/${pool.name}`)}`;
    const res = await post(`/v1/machines/import?${query}`, [{ hostname: unique("node"), ip }]);
    expect(res.status).toBe(200);
    expect(res.body.summary).toMatchObject({ created: 1, error: 0 });
    expect(await machineRow(res.body.results[0].machineId)).toMatchObject({
      ip,
      clusterId: cluster.id,
      poolId: pool.id,
    });
    expect(await auditOf(res.res)).toMatchObject({
      action: "machine.import",
      result: "success",
      clusterId: cluster.id,
    });
  });
});
