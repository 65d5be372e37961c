/**
 * Assigning machines to pools: the pool's hardware requirements decide,
 * unassign returns a machine to the free inventory unless it is in use, move
 * crosses pools and clusters, every change leaves an event and bumps the
 * state versions of the clusters touched, and of racing assigns exactly one wins.
 */
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clusters, machines, operations } from "../../../../../../drizzle/schema/index.ts";
import { startTestApi, type TestApi } from "../../../../../support/api.ts";
import { seedCluster, seedMachine, seedPool } from "../../../../../support/fixtures.ts";
import { requirePostgres } from "../../../../../support/postgres.ts";

const ok = await requirePostgres();
const GiB = 2 ** 30;

describe.skipIf(!ok)("assigning, unassigning and moving machines", () => {
  let api: TestApi;
  let clusterA: string;
  let clusterB: string;
  let poolA: string;
  let poolA2: string;
  let poolB: string;
  let gpuPool: string;
  beforeAll(async () => {
    // assigns race on pooled connections: give each racer its own
    api = await startTestApi({ maxConnections: 12 });
    const db = api.database.db;
    clusterA = (await seedCluster(db)).id;
    clusterB = (await seedCluster(db)).id;
    poolA = (await seedPool(db, clusterA)).id;
    poolA2 = (await seedPool(db, clusterA)).id;
    poolB = (await seedPool(db, clusterB)).id;
    gpuPool = (
      await seedPool(db, clusterA, {
        hardwareRequirements: {
          minCpuCores: 32,
          minMemoryBytes: 256 * GiB,
          minGpuCount: 4,
          gpuType: "a100",
          regions: ["eu"],
          machineLabels: { fabric: "ib" },
        },
      })
    ).id;
  });
  afterAll(() => api?.close());

  const post = (path: string, body?: unknown, token = api.admin) =>
    api.json("POST", path, body === undefined ? { token } : { token, body });
  const stateVersion = async (id: string) =>
    (await api.database.db.select().from(clusters).where(eq(clusters.id, id)))[0]!.stateVersion;
  const eventsOf = (machineId: string, kind: string) =>
    api.database.db
      .select()
      .from(operations)
      .where(and(eq(operations.machineId, machineId), eq(operations.kind, kind)));

  it("assigns a free, available machine to a pool, with an event and a state version bump", async () => {
    const machine = await seedMachine(api.database.db);
    const before = await stateVersion(clusterA);
    const { status, body } = await post(`/v1/machines/${machine.id}/assign`, {
      clusterId: clusterA,
      poolId: poolA,
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({ clusterId: clusterA, poolId: poolA, status: "available", version: 1 });
    expect(await stateVersion(clusterA)).toBe(before + 1);
    const [event] = await eventsOf(machine.id, "machine.assign");
    expect(event).toMatchObject({ clusterId: clusterA, poolId: poolA });
    expect(event!.metadata).toMatchObject({
      from: { clusterId: null },
      to: { clusterId: clusterA, poolId: poolA },
    });

    const again = await post(`/v1/machines/${machine.id}/assign`, { clusterId: clusterA, poolId: poolA2 });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("conflict");
  });

  it("refuses a machine that misses the pool's requirements, listing every reason", async () => {
    const machine = await seedMachine(api.database.db, { cpuCores: 8, gpuCount: 0, region: "us" });
    const { status, body } = await post(`/v1/machines/${machine.id}/assign`, {
      clusterId: clusterA,
      poolId: gpuPool,
    });
    expect(status).toBe(409);
    expect(body.error.code).toBe("conflict");
    expect(body.error.details.reasons).toHaveLength(6);
    expect(body.error.details.reasons.join("\n")).toMatch(/cpu[\s\S]*memory[\s\S]*gpu count[\s\S]*gpu type/);

    const fits = await seedMachine(api.database.db, {
      cpuCores: 64,
      memoryBytes: 512 * GiB,
      gpuCount: 8,
      gpuType: "a100",
      region: "eu",
      labels: { fabric: "ib" },
    });
    const assigned = await post(`/v1/machines/${fits.id}/assign`, { clusterId: clusterA, poolId: gpuPool });
    expect(assigned.status).toBe(200);
  });

  it("refuses a pool of another cluster, a missing pool and a machine that is not available", async () => {
    const machine = await seedMachine(api.database.db);
    const wrong = await post(`/v1/machines/${machine.id}/assign`, { clusterId: clusterA, poolId: poolB });
    expect(wrong.status).toBe(404);
    const missing = await post(`/v1/machines/${machine.id}/assign`, {
      clusterId: clusterA,
      poolId: "00000000-0000-4000-8000-000000000000",
    });
    expect(missing.status).toBe(404);
    const inMaintenance = await seedMachine(api.database.db, { status: "maintenance" });
    const busy = await post(`/v1/machines/${inMaintenance.id}/assign`, {
      clusterId: clusterA,
      poolId: poolA,
    });
    expect(busy.status).toBe(409);
    expect(busy.body.error.details.status).toBe("maintenance");
  });

  it("honours expectedVersion on assign", async () => {
    const machine = await seedMachine(api.database.db, { version: 3 });
    const stale = await post(`/v1/machines/${machine.id}/assign`, {
      clusterId: clusterA,
      poolId: poolA,
      expectedVersion: 2,
    });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe("stale_version");
  });

  it("lets exactly one of 10 parallel assigns of the same machine win", async () => {
    const machine = await seedMachine(api.database.db);
    const pools = [poolA, poolA2];
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        post(`/v1/machines/${machine.id}/assign`, { clusterId: clusterA, poolId: pools[i % 2] }),
      ),
    );
    const winners = results.filter((r) => r.status === 200);
    expect(winners).toHaveLength(1);
    for (const loser of results.filter((r) => r.status !== 200)) {
      expect(loser.status).toBe(409);
      expect(["stale_version", "conflict"]).toContain(loser.body.error.code);
    }
    const [row] = await api.database.db.select().from(machines).where(eq(machines.id, machine.id));
    expect(row).toMatchObject({ clusterId: clusterA, poolId: winners[0]!.body.poolId, version: 1 });
    expect(await eventsOf(machine.id, "machine.assign")).toHaveLength(1);
  });

  it("unassigns a machine that is not in use, and refuses one that is", async () => {
    const machine = await seedMachine(api.database.db, { clusterId: clusterA, poolId: poolA });
    const before = await stateVersion(clusterA);
    const { status, body } = await post(`/v1/machines/${machine.id}/unassign`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ clusterId: null, poolId: null, status: "available" });
    expect(await stateVersion(clusterA)).toBe(before + 1);
    // the history of the cluster it left shows it leaving
    const [left] = await eventsOf(machine.id, "machine.unassign");
    expect(left).toMatchObject({ clusterId: clusterA, poolId: poolA });

    const again = await post(`/v1/machines/${machine.id}/unassign`);
    expect(again.status).toBe(409);

    for (const status of ["reserved", "joining", "ready", "draining", "leaving"] as const) {
      const busy = await seedMachine(api.database.db, { clusterId: clusterA, poolId: poolA, status });
      const refused = await post(`/v1/machines/${busy.id}/unassign`, {});
      expect(refused.status).toBe(409);
      expect(refused.body.error).toMatchObject({ code: "conflict", details: { status } });
    }
  });

  it("moves an available machine across clusters, bumping both state versions", async () => {
    const machine = await seedMachine(api.database.db, { clusterId: clusterA, poolId: poolA });
    const [a, b] = [await stateVersion(clusterA), await stateVersion(clusterB)];
    const { status, body } = await post(`/v1/machines/${machine.id}/move`, {
      clusterId: clusterB,
      poolId: poolB,
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({ clusterId: clusterB, poolId: poolB, version: 1 });
    expect([await stateVersion(clusterA), await stateVersion(clusterB)]).toEqual([a + 1, b + 1]);
    // both clusters' histories show the move
    const events = await eventsOf(machine.id, "machine.move");
    expect(events.map((e) => e.clusterId).sort()).toEqual([clusterA, clusterB].sort());
    for (const event of events) {
      expect(event.metadata).toMatchObject({
        from: { clusterId: clusterA, poolId: poolA },
        to: { clusterId: clusterB, poolId: poolB },
      });
    }

    const same = await post(`/v1/machines/${machine.id}/move`, { clusterId: clusterB, poolId: poolB });
    expect(same.status).toBe(200);
    expect(same.body.version).toBe(1);
  });

  it("refuses to move a machine in use, one in the free inventory, or one that misses the target's requirements", async () => {
    const ready = await seedMachine(api.database.db, { clusterId: clusterA, poolId: poolA, status: "ready" });
    expect(
      (await post(`/v1/machines/${ready.id}/move`, { clusterId: clusterA, poolId: poolA2 })).status,
    ).toBe(409);
    const free = await seedMachine(api.database.db);
    expect((await post(`/v1/machines/${free.id}/move`, { clusterId: clusterA, poolId: poolA2 })).status).toBe(
      409,
    );
    const small = await seedMachine(api.database.db, { clusterId: clusterA, poolId: poolA, cpuCores: 2 });
    const misfit = await post(`/v1/machines/${small.id}/move`, { clusterId: clusterA, poolId: gpuPool });
    expect(misfit.status).toBe(409);
    expect(misfit.body.error.details.reasons.length).toBeGreaterThan(0);
  });

  it.each([
    ["no body", undefined],
    ["a missing pool", { clusterId: "00000000-0000-4000-8000-000000000000" }],
    // "x" is a name now (machines-by-name.test.ts: an unknown one is a 404); an empty one is malformed
    ["an empty cluster and pool reference", { clusterId: "", poolId: "" }],
    [
      "an unknown field",
      {
        clusterId: "00000000-0000-4000-8000-000000000000",
        poolId: "00000000-0000-4000-8000-000000000000",
        force: true,
      },
    ],
  ])("refuses an assign with %s as a 4xx envelope", async (_what, body) => {
    const machine = await seedMachine(api.database.db);
    const res = await post(`/v1/machines/${machine.id}/assign`, body);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.body.error.code).toMatch(/validation_failed|bad_request|unsupported_media_type/);
  });
});
