/**
 * Who may do what to machines: viewers read, operators change; a token
 * scoped to a cluster acts only on that cluster's machines (others, and the
 * free inventory, are "not found") and cannot assign into other clusters;
 * agent credentials cannot use these routes at all.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type TestApi } from "../../../../../support/api.ts";
import { seedCluster, seedMachine, seedPool, uniqueIp } from "../../../../../support/fixtures.ts";
import { requirePostgres } from "../../../../../support/postgres.ts";

const ok = await requirePostgres();

describe.skipIf(!ok)("machine authorisation", () => {
  let api: TestApi;
  let clusterA: string;
  let clusterB: string;
  let poolA: string;
  let poolA2: string;
  let poolB: string;
  let viewer: string;
  let scopedA: string;
  beforeAll(async () => {
    api = await startTestApi();
    const db = api.database.db;
    clusterA = (await seedCluster(db)).id;
    clusterB = (await seedCluster(db)).id;
    poolA = (await seedPool(db, clusterA)).id;
    poolA2 = (await seedPool(db, clusterA)).id;
    poolB = (await seedPool(db, clusterB)).id;
    viewer = await api.tokenFor("viewer");
    scopedA = await api.tokenFor("operator", clusterA);
  });
  afterAll(() => api?.close());

  const call = (method: string, path: string, token: string, body?: unknown) =>
    api.json(method, path, body === undefined ? { token } : { token, body });

  it("lets a viewer read but not change anything", async () => {
    const machine = await seedMachine(api.database.db);
    expect((await call("GET", "/v1/machines", viewer)).status).toBe(200);
    expect((await call("GET", `/v1/machines/${machine.id}`, viewer)).status).toBe(200);
    const attempts = [
      call("POST", "/v1/machines", viewer, { hostname: "v", ip: uniqueIp() }),
      call("PATCH", `/v1/machines/${machine.id}`, viewer, { rack: "r1" }),
      call("POST", `/v1/machines/${machine.id}/assign`, viewer, { clusterId: clusterA, poolId: poolA }),
      call("POST", `/v1/machines/${machine.id}/maintenance`, viewer, { reason: "r" }),
      call("POST", `/v1/machines/${machine.id}/archive`, viewer),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe("forbidden");
    }
  });

  it("refuses requests without a token and agent credentials", async () => {
    expect((await api.json("GET", "/v1/machines")).status).toBe(401);
    const agent = await api.agentCredentialFor(clusterA);
    const res = await call("GET", "/v1/machines", agent);
    expect(res.status).toBe(403);
  });

  it("keeps a scoped operator to its cluster's machines", async () => {
    const own = await seedMachine(api.database.db, { clusterId: clusterA, poolId: poolA });
    const other = await seedMachine(api.database.db, { clusterId: clusterB, poolId: poolB });
    const free = await seedMachine(api.database.db);

    expect((await call("PATCH", `/v1/machines/${own.id}`, scopedA, { rack: "r1" })).status).toBe(200);
    expect(
      (await call("POST", `/v1/machines/${own.id}/move`, scopedA, { clusterId: clusterA, poolId: poolA2 }))
        .status,
    ).toBe(200);
    expect((await call("POST", `/v1/machines/${own.id}/maintenance`, scopedA, { reason: "r" })).status).toBe(
      200,
    );

    for (const machine of [other, free]) {
      const attempts = [
        call("GET", `/v1/machines/${machine.id}`, scopedA),
        call("PATCH", `/v1/machines/${machine.id}`, scopedA, { rack: "r1" }),
        call("POST", `/v1/machines/${machine.id}/maintenance`, scopedA, { reason: "r" }),
        call("POST", `/v1/machines/${machine.id}/archive`, scopedA),
        call("POST", `/v1/machines/${machine.id}/unassign`, scopedA),
        // free inventory is managed by unscoped operators only, even into the token's own cluster
        call("POST", `/v1/machines/${machine.id}/assign`, scopedA, { clusterId: clusterA, poolId: poolA }),
      ];
      for (const res of await Promise.all(attempts)) {
        expect(res.status).toBe(404);
        expect(res.body.error.code).toBe("not_found");
      }
    }
  });

  it("does not let a scoped operator move or assign into another cluster", async () => {
    const own = await seedMachine(api.database.db, { clusterId: clusterA, poolId: poolA });
    const moved = await call("POST", `/v1/machines/${own.id}/move`, scopedA, {
      clusterId: clusterB,
      poolId: poolB,
    });
    expect(moved.status).toBe(404);
    const free = await seedMachine(api.database.db);
    const assigned = await call("POST", `/v1/machines/${free.id}/assign`, scopedA, {
      clusterId: clusterB,
      poolId: poolB,
    });
    expect(assigned.status).toBe(404);
  });

  it("does not let a scoped operator add machines to the free inventory", async () => {
    const res = await call("POST", "/v1/machines", scopedA, { hostname: "scoped", ip: uniqueIp() });
    expect(res.status).toBe(403);
  });

  it("lets a scoped operator return its own machine to the free inventory, then loses sight of it", async () => {
    const own = await seedMachine(api.database.db, { clusterId: clusterA, poolId: poolA });
    expect((await call("POST", `/v1/machines/${own.id}/unassign`, scopedA)).status).toBe(200);
    expect((await call("GET", `/v1/machines/${own.id}`, scopedA)).status).toBe(404);
  });

  it("answers malformed machine ids with a 400 envelope", async () => {
    // any short string is a hostname now (an unknown one is a 404); longer than a host name can be is malformed
    const res = await call("GET", `/v1/machines/${"x".repeat(254)}`, api.admin);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("validation_failed");
  });
});
