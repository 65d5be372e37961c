/**
 * An agent credential reaches exactly its own cluster: cluster A's agent gets
 * 404 (or a per-item not_found) for B's pools and machines on every agent
 * route, and nothing of B changes. Request ids are idempotency keys per
 * cluster, so A and B may use the same one independently.
 */
import { eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allocations, machines, resourceSnapshots } from "../../../../../../drizzle/schema/index.ts";
import { startTestApi, type TestApi } from "../../../../../support/api.ts";
import { seedCluster, seedMachines, seedPool } from "../../../../../support/fixtures.ts";
import { requirePostgres } from "../../../../../support/postgres.ts";

const ok = await requirePostgres();

const SNAPSHOT = {
  nodeCount: 1,
  capacity: { cpuMillis: 1, memoryBytes: 1 },
  allocatable: { cpuMillis: 1, memoryBytes: 1 },
  requested: { cpuMillis: 1, memoryBytes: 1 },
  usage: { cpuMillis: 1, memoryBytes: 1 },
};

describe.skipIf(!ok)("agent credentials across clusters", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api?.close());

  async function side() {
    const { db } = api.database;
    const cluster = await seedCluster(db);
    const pool = await seedPool(db, cluster.id);
    // the pool's own available machines, plus ready ones
    const own = await seedMachines(db, 2, { clusterId: cluster.id, poolId: pool.id });
    const ready = await seedMachines(db, 2, { clusterId: cluster.id, poolId: pool.id, status: "ready" });
    return { cluster, pool, own, ready, credential: await api.agentCredentialFor(cluster.id) };
  }

  it("keeps A's agent out of B's state, allocations, transitions and snapshots", async () => {
    const a = await side();
    const b = await side();
    const bIds = [...b.own, ...b.ready].map((m) => m.id);
    const snapshotOfB = async () =>
      JSON.stringify(await api.database.db.select().from(machines).where(inArray(machines.id, bIds)));
    const before = await snapshotOfB();

    const state = await api.json("GET", "/v1/agent/state", { token: a.credential });
    expect(state.status).toBe(200);
    expect(JSON.stringify(state.body)).not.toContain(b.cluster.id);
    expect(state.body.machines).toHaveLength(4);

    const alloc = await api.json("POST", "/v1/agent/allocations", {
      token: a.credential,
      body: { poolId: b.pool.id, delta: 1, requestId: "x-1" },
    });
    expect([alloc.status, alloc.body.error.code]).toEqual([404, "not_found"]);

    const transitions = await api.json("POST", "/v1/agent/transitions", {
      token: a.credential,
      body: { items: b.ready.map((m) => ({ machineId: m.id, from: "ready", to: "draining" })) },
    });
    expect(transitions.status).toBe(200);
    expect(transitions.body.results.map((r: { error: { code: string } }) => r.error.code)).toEqual([
      "not_found",
      "not_found",
    ]);

    const snap = await api.json("POST", "/v1/agent/snapshots", {
      token: a.credential,
      body: {
        pools: [
          { poolId: a.pool.id, ...SNAPSHOT },
          { poolId: b.pool.id, ...SNAPSHOT },
        ],
      },
    });
    expect([snap.status, snap.body.error.code]).toEqual([404, "not_found"]);
    const stored = await api.database.db
      .select()
      .from(resourceSnapshots)
      .where(inArray(resourceSnapshots.clusterId, [a.cluster.id, b.cluster.id]));
    expect(stored).toEqual([]);

    expect(await snapshotOfB()).toBe(before);
  });

  it("scopes request ids to the credential's cluster", async () => {
    const a = await side();
    const b = await side();
    const allocate = (credential: string, poolId: string) =>
      api.json("POST", "/v1/agent/allocations", {
        token: credential,
        body: { poolId, delta: 2, requestId: "shared-id" },
      });
    const fromA = await allocate(a.credential, a.pool.id);
    const fromB = await allocate(b.credential, b.pool.id);
    expect([fromA.status, fromB.status]).toEqual([200, 200]);
    expect(fromA.body.allocationId).not.toBe(fromB.body.allocationId);
    expect(fromA.body.machines.map((m: { id: string }) => m.id).sort()).toEqual(
      a.own.map((m) => m.id).sort(),
    );
    expect(fromB.body.machines.map((m: { id: string }) => m.id).sort()).toEqual(
      b.own.map((m) => m.id).sort(),
    );

    // A replaying its id with B's pool is A's conflict, never a view of B's allocation
    const crossed = await allocate(a.credential, b.pool.id);
    expect([crossed.status, crossed.body.error.code]).toEqual([409, "conflict"]);
    expect(crossed.body.error.details.poolId).toBe(a.pool.id);
    expect(JSON.stringify(crossed.body)).not.toContain(b.cluster.id);
    const rows = await api.database.db
      .select()
      .from(allocations)
      .where(eq(allocations.requestId, "shared-id"));
    expect(rows.map((r) => r.clusterId).sort()).toEqual([a.cluster.id, b.cluster.id].sort());
  });
});
