/**
 * POST /v1/agent/transitions applies each item on its own (a conflict does not
 * block the others) and POST /v1/agent/snapshots stores raw resource figures.
 */
import { randomUUID } from "node:crypto";
import { eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  auditLogs,
  machines,
  nodePools,
  operations,
  resourceSnapshots,
} from "../../../../../../drizzle/schema/index.ts";
import { startTestApi, type TestApi } from "../../../../../support/api.ts";
import { seedCluster, seedMachines, seedPool } from "../../../../../support/fixtures.ts";
import { requirePostgres } from "../../../../../support/postgres.ts";

const ok = await requirePostgres();

describe.skipIf(!ok)("agent transitions and snapshots", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api?.close());

  async function setup() {
    const { db } = api.database;
    const cluster = await seedCluster(db);
    const pool = await seedPool(db, cluster.id);
    const credential = await api.agentCredentialFor(cluster.id);
    return { cluster, pool, credential };
  }
  const rowsOf = (ids: string[]) => api.database.db.select().from(machines).where(inArray(machines.id, ids));

  it("applies a mixed batch item by item: ok, stale, illegal, not found, foreign, reserve", async () => {
    const { cluster, pool, credential } = await setup();
    const { db } = api.database;
    const [joining, stale, illegal, leaving] = await seedMachines(db, 4, {
      clusterId: cluster.id,
      poolId: pool.id,
      status: "joining",
      providerId: null,
    });
    await db.update(machines).set({ status: "leaving" }).where(eq(machines.id, leaving!.id));
    const other = await seedCluster(db);
    const [foreign] = await seedMachines(db, 1, { clusterId: other.id, status: "ready" });
    const [free] = await seedMachines(db, 1);

    const res = await api.json("POST", "/v1/agent/transitions", {
      token: credential,
      body: {
        items: [
          { machineId: joining!.id, from: "joining", to: "ready", expectedVersion: 0, nodeName: "node-1" },
          { machineId: stale!.id, from: "joining", to: "ready", expectedVersion: 7 },
          { machineId: illegal!.id, from: "joining", to: "draining" },
          { machineId: randomUUID(), from: "ready", to: "draining" },
          { machineId: foreign!.id, from: "ready", to: "draining" },
          { machineId: free!.id, from: "available", to: "reserved" },
          { machineId: leaving!.id, from: "leaving", to: "available", reason: "reset done" },
        ],
      },
    });
    expect(res.status).toBe(200);
    const codes = res.body.results.map((r: { ok: boolean; error?: { code: string } }) =>
      r.ok ? "ok" : r.error!.code,
    );
    expect(codes).toEqual([
      "ok",
      "stale_version",
      "illegal_transition",
      "not_found",
      "not_found",
      "illegal_transition",
      "ok",
    ]);
    expect(res.body.summary).toEqual({ applied: 2, failed: 5 });
    expect(res.body.results[0]).toEqual({
      machineId: joining!.id,
      ok: true,
      machine: { status: "ready", version: 1 },
    });
    expect(res.body.results[1].error.details).toMatchObject({ expectedVersion: 7, actualVersion: 0 });
    expect(JSON.stringify(res.body.results[4])).not.toContain(other.id);

    const after = new Map(
      (await rowsOf([joining!.id, stale!.id, foreign!.id, free!.id, leaving!.id])).map((m) => [m.id, m]),
    );
    expect(after.get(joining!.id)).toMatchObject({
      status: "ready",
      nodeName: "node-1",
      clusterId: cluster.id,
    });
    expect(after.get(stale!.id)?.status).toBe("joining");
    expect(after.get(foreign!.id)?.status).toBe("ready");
    expect(after.get(free!.id)?.status).toBe("available");
    // operator-assigned (no reservation from free inventory): stays the pool's own
    expect(after.get(leaving!.id)).toMatchObject({
      status: "available",
      clusterId: cluster.id,
      poolId: pool.id,
      providerId: null,
      nodeName: null,
      statusReason: "reset done",
    });
    const events = await db.select().from(operations).where(eq(operations.machineId, joining!.id));
    expect(events.map((e) => [e.kind, e.metadata.actor])).toEqual([
      ["machine.transition", `agent:${cluster.id}`],
    ]);
    const audit = await db.select().from(auditLogs).where(eq(auditLogs.clusterId, cluster.id));
    expect(audit.map((a) => [a.action, a.changes])).toEqual([
      ["machine.transitions", { items: 7, applied: 2, failed: 5 }],
    ]);
  });

  it("returns a machine reserved from the free inventory to it when the agent releases it", async () => {
    const { cluster, pool, credential } = await setup();
    const tag = randomUUID();
    await api.database.db
      .update(nodePools)
      .set({ hardwareRequirements: { machineLabels: { tag } } })
      .where(eq(nodePools.id, pool.id));
    const [free] = await seedMachines(api.database.db, 1, { labels: { tag } });
    const alloc = await api.json("POST", "/v1/agent/allocations", {
      token: credential,
      body: { poolId: pool.id, delta: 1, requestId: "release-me" },
    });
    expect(alloc.body.machines.map((m: { id: string }) => m.id)).toEqual([free!.id]);
    const res = await api.json("POST", "/v1/agent/transitions", {
      token: credential,
      body: {
        items: [{ machineId: free!.id, from: "reserved", to: "available", reason: "scale-up cancelled" }],
      },
    });
    expect(res.body.summary).toEqual({ applied: 1, failed: 0 });
    const [row] = await rowsOf([free!.id]);
    expect(row).toMatchObject({ status: "available", clusterId: null, poolId: null, providerId: null });
    const state = await api.json("GET", "/v1/agent/state", { token: credential });
    expect(state.body.machines.map((m: { id: string }) => m.id)).not.toContain(free!.id);
    expect(cluster.id).toBe(state.body.clusterId);
  });

  it("a join cancelled after SSH goes joining → leaving with its assignment, and leaves on → available", async () => {
    const { cluster, pool, credential } = await setup();
    const tag = randomUUID();
    await api.database.db
      .update(nodePools)
      .set({ hardwareRequirements: { machineLabels: { tag } } })
      .where(eq(nodePools.id, pool.id));
    const [free] = await seedMachines(api.database.db, 1, { labels: { tag } });
    const alloc = await api.json("POST", "/v1/agent/allocations", {
      token: credential,
      body: { poolId: pool.id, delta: 1, requestId: "cancel-me" },
    });
    const providerId = alloc.body.machines[0].providerId;
    expect(providerId).toBe(`ksp://${free!.id}`);
    const move = (from: string, to: string, reason: string) =>
      api.json("POST", "/v1/agent/transitions", {
        token: credential,
        body: { items: [{ machineId: free!.id, from, to, reason }] },
      });

    expect((await move("reserved", "joining", "join started")).body.summary.applied).toBe(1);
    const cancelled = await move("joining", "leaving", "join cancelled; reset first");
    expect(cancelled.body.results[0]).toMatchObject({ ok: true, machine: { status: "leaving" } });
    const [leaving] = await rowsOf([free!.id]);
    expect(leaving).toMatchObject({ status: "leaving", clusterId: cluster.id, poolId: pool.id, providerId });

    // the agent still sees it (to reset it) but no longer wants it joined; the pool counts it in use only
    const state = await api.json("GET", "/v1/agent/state", { token: credential });
    expect(state.body.machines.find((m: { id: string }) => m.id === free!.id)).toMatchObject({
      status: "leaving",
      desiredState: "absent",
      providerId,
      poolId: pool.id,
    });
    const status = await api.json("GET", `/v1/clusters/${cluster.id}/pools/${pool.id}/status`, {
      token: api.admin,
    });
    expect(status.body).toMatchObject({ target: 0, inUse: 1, counts: { leaving: 1, joining: 0 } });

    expect((await move("leaving", "available", "reset done")).body.summary.applied).toBe(1);
    const [released] = await rowsOf([free!.id]);
    expect(released).toMatchObject({ status: "available", clusterId: null, poolId: null, providerId: null });
  });

  it("a fault's lastError (the failed step's output tail) is on the machine and in its event's metadata", async () => {
    const { cluster, pool, credential } = await setup();
    const [machine] = await seedMachines(api.database.db, 1, {
      clusterId: cluster.id,
      poolId: pool.id,
      status: "joining",
    });
    const tail =
      "[preflight] Running pre-flight checks\nerror execution phase preflight: port 10250 is in use";
    const res = await api.json("POST", "/v1/agent/transitions", {
      token: credential,
      body: {
        items: [
          {
            machineId: machine!.id,
            from: "joining",
            to: "fault",
            reason: "join failed",
            nodeName: "node-f",
            lastError: tail,
          },
        ],
      },
    });
    expect(res.body.summary).toEqual({ applied: 1, failed: 0 });
    const [row] = await rowsOf([machine!.id]);
    expect(row).toMatchObject({ status: "fault", lastError: tail, nodeName: "node-f" });

    const events = await api.json("GET", `/v1/events?machineId=${machine!.id}&kind=machine.transition`, {
      token: api.admin,
    });
    expect(events.status).toBe(200);
    expect(events.body.items).toHaveLength(1);
    const { metadata } = events.body.items[0];
    expect(metadata).toMatchObject({ from: "joining", to: "fault", reason: "join failed", lastError: tail });
    // stored once: the patch keeps only the other columns the transition set
    expect(metadata.patch).toEqual({ nodeName: "node-f" });

    // a transition that sets no error carries none
    const repaired = await api.json("POST", `/v1/machines/${machine!.id}/restore`, { token: api.admin });
    expect(repaired.status).toBe(200);
    const all = await api.database.db.select().from(operations).where(eq(operations.machineId, machine!.id));
    const restore = all.find((e) => e.metadata.to === "available");
    expect(restore?.metadata).not.toHaveProperty("lastError");
  });

  it("a maintenance drain ends in maintenance with the Node kept (the state says why it drains); a scale-down never does", async () => {
    const { cluster, pool, credential } = await setup();
    const { db } = api.database;
    const [maintained, scaledDown] = await seedMachines(db, 2, {
      clusterId: cluster.id,
      poolId: pool.id,
      status: "draining",
      nodeName: "node-m",
    });
    await db
      .update(machines)
      .set({ drainIntent: "maintenance", providerId: `ksp://${maintained!.id}` })
      .where(eq(machines.id, maintained!.id));

    const state = await api.json("GET", "/v1/agent/state", { token: credential });
    const seen = new Map(state.body.machines.map((m: { id: string }) => [m.id, m]));
    expect(seen.get(maintained!.id)).toMatchObject({ status: "draining", drainIntent: "maintenance" });
    expect(seen.get(scaledDown!.id)).toMatchObject({ status: "draining", drainIntent: null });

    const move = (items: { machineId: string; from: string; to: string }[]) =>
      api.json("POST", "/v1/agent/transitions", { token: credential, body: { items } });
    const refused = await move([
      { machineId: scaledDown!.id, from: "draining", to: "maintenance" },
      { machineId: maintained!.id, from: "draining", to: "leaving" },
    ]);
    expect(refused.status).toBe(200);
    expect(refused.body.summary).toEqual({ applied: 0, failed: 2 });
    expect(refused.body.results.map((r: { error: unknown }) => r.error)).toEqual([
      expect.objectContaining({
        code: "illegal_transition",
        message: expect.stringContaining("only when a maintenance order drains it"),
        details: { from: "draining", to: "maintenance", drainIntent: null },
      }),
      expect.objectContaining({
        code: "illegal_transition",
        message: expect.stringContaining("never in a reset"),
        details: { from: "draining", to: "leaving", drainIntent: "maintenance" },
      }),
    ]);

    const done = await move([{ machineId: maintained!.id, from: "draining", to: "maintenance" }]);
    expect(done.body.summary).toEqual({ applied: 1, failed: 0 });
    const after = new Map((await rowsOf([maintained!.id, scaledDown!.id])).map((m) => [m.id, m]));
    expect(after.get(maintained!.id)).toMatchObject({
      status: "maintenance",
      drainIntent: null,
      clusterId: cluster.id,
      poolId: pool.id,
      nodeName: "node-m",
      providerId: `ksp://${maintained!.id}`,
    });
    expect(after.get(scaledDown!.id)).toMatchObject({ status: "draining", drainIntent: null });
    // the scale-down still ends the ordinary way
    const reset = await move([{ machineId: scaledDown!.id, from: "draining", to: "leaving" }]);
    expect(reset.body.summary).toEqual({ applied: 1, failed: 0 });
  });

  it("refuses empty, oversized and malformed batches with a 400 envelope", async () => {
    const { credential } = await setup();
    const item = { machineId: randomUUID(), from: "ready", to: "draining" };
    for (const body of [
      { items: [] },
      { items: Array(201).fill(item) },
      { items: [{ ...item, to: "flying" }] },
      { items: [{ ...item, expectedVersion: -1 }] },
      { items: [{ ...item, lastError: "x".repeat(5000) }] },
    ]) {
      const res = await api.json("POST", "/v1/agent/transitions", { token: credential, body });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("validation_failed");
    }
  });

  it("stores pool and cluster snapshots as raw rows, unaudited", async () => {
    const { cluster, pool, credential } = await setup();
    const figures = (n: number) => ({
      nodeCount: n,
      capacity: { cpuMillis: 8000 * n, memoryBytes: 32e9 * n },
      allocatable: { cpuMillis: 7800 * n, memoryBytes: 31e9 * n },
      requested: { cpuMillis: 4000, memoryBytes: 8e9 },
      usage: { cpuMillis: 2500, memoryBytes: 6e9 },
    });
    const capturedAt = "2026-03-01T12:00:00.000Z";
    const res = await api.json("POST", "/v1/agent/snapshots", {
      token: credential,
      body: { capturedAt, pools: [{ poolId: pool.id, ...figures(3) }], cluster: figures(4) },
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ capturedAt, recorded: 2 });
    const rows = await api.database.db
      .select()
      .from(resourceSnapshots)
      .where(eq(resourceSnapshots.clusterId, cluster.id));
    const byPool = new Map(rows.map((r) => [r.poolId, r]));
    expect(byPool.get(pool.id)).toMatchObject({
      granularity: "raw",
      nodeCount: 3,
      capacityCpuMillis: 24000,
      allocatableMemoryBytes: 93e9,
      requestedCpuMillis: 4000,
      usageMemoryBytes: 6e9,
    });
    expect(byPool.get(null)?.nodeCount).toBe(4);
    expect(rows[0]!.capturedAt.toISOString()).toBe(capturedAt);
    const audit = await api.database.db.select().from(auditLogs).where(eq(auditLogs.clusterId, cluster.id));
    expect(audit).toEqual([]);

    const dup = await api.json("POST", "/v1/agent/snapshots", {
      token: credential,
      body: {
        pools: [
          { poolId: pool.id, ...figures(1) },
          { poolId: pool.id, ...figures(1) },
        ],
      },
    });
    expect(dup.status).toBe(400);
    const negative = await api.json("POST", "/v1/agent/snapshots", {
      token: credential,
      body: { pools: [{ poolId: pool.id, ...figures(1), nodeCount: -1 }] },
    });
    expect(negative.status).toBe(400);
  });
});
