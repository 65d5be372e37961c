/**
 * POST /v1/agent/allocations: idempotent by (cluster, requestId) — a retry,
 * sequential or concurrent, returns the same machines and reserves nothing
 * more; the same id with another body is a 409; pool_at_max,
 * not_enough_machines and pool_disabled carry their counts and are not
 * remembered, so a retry succeeds once the obstacle is gone.
 */
import { randomUUID } from "node:crypto";
import { and, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allocations, machines, nodePools, operations } from "../../../../../../drizzle/schema/index.ts";
import { startTestApi, type TestApi } from "../../../../../support/api.ts";
import { seedCluster, seedMachines, seedPool } from "../../../../../support/fixtures.ts";
import { requirePostgres } from "../../../../../support/postgres.ts";

const ok = await requirePostgres();

describe.skipIf(!ok)("agent allocations", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api?.close());

  /** A cluster whose pool may take only machines labelled for it, so tests never share inventory. */
  async function setup(opts: { free: number; maxSize?: number; enabled?: boolean }) {
    const { db } = api.database;
    const cluster = await seedCluster(db);
    const tag = randomUUID().slice(0, 8);
    const pool = await seedPool(db, cluster.id, {
      maxSize: opts.maxSize ?? 10,
      autoscalingEnabled: opts.enabled ?? true,
      hardwareRequirements: { machineLabels: { tag } },
    });
    const free = await seedMachines(db, opts.free, { labels: { tag } });
    const credential = await api.agentCredentialFor(cluster.id);
    const allocate = (body: Record<string, unknown>) =>
      api.json("POST", "/v1/agent/allocations", { token: credential, body: { poolId: pool.id, ...body } });
    return { cluster, pool, free, tag, credential, allocate };
  }
  const reservedIn = async (poolId: string) =>
    (
      await api.database.db
        .select({ id: machines.id })
        .from(machines)
        .where(and(eq(machines.poolId, poolId), eq(machines.status, "reserved")))
    ).length;

  it("reserves machines once and replays the same answer on retry", async () => {
    const { cluster, pool, allocate } = await setup({ free: 5 });
    const first = await allocate({ delta: 3, requestId: "scale-up:1" });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ requestId: "scale-up:1", poolId: pool.id, delta: 3, created: true });
    expect(first.body.machines).toHaveLength(3);
    for (const m of first.body.machines) {
      expect(m).toMatchObject({ status: "reserved", providerId: `ksp://${m.id}`, ssh: { port: 22 } });
    }

    const retry = await allocate({ delta: 3, requestId: "scale-up:1" });
    expect(retry.status).toBe(200);
    expect(retry.body.created).toBe(false);
    expect(retry.body.allocationId).toBe(first.body.allocationId);
    expect(retry.body.machines).toEqual(first.body.machines);
    expect(await reservedIn(pool.id)).toBe(3);

    const rows = await api.database.db
      .select()
      .from(allocations)
      .where(eq(allocations.clusterId, cluster.id));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: "succeeded", delta: 3, requestId: "scale-up:1" });
    expect(rows[0]!.machineIds).toEqual(first.body.machines.map((m: { id: string }) => m.id));
    const events = await api.database.db
      .select()
      .from(operations)
      .where(and(eq(operations.poolId, pool.id), eq(operations.requestId, "scale-up:1")));
    expect(events).toHaveLength(3);
  });

  it("refuses the same request id with another delta or pool (409) without reserving", async () => {
    const { cluster, allocate } = await setup({ free: 4 });
    const otherPool = await seedPool(api.database.db, cluster.id);
    expect((await allocate({ delta: 1, requestId: "r-1" })).status).toBe(200);
    const otherDelta = await allocate({ delta: 2, requestId: "r-1" });
    expect(otherDelta.status).toBe(409);
    expect(otherDelta.body.error).toMatchObject({
      code: "conflict",
      details: { delta: 1, requestId: "r-1" },
    });
    const otherPoolAnswer = await allocate({ poolId: otherPool.id, delta: 1, requestId: "r-1" });
    expect(otherPoolAnswer.status).toBe(409);
    expect(await reservedIn(otherPool.id)).toBe(0);
  });

  it("gives concurrent retries of one request id the same machines, reserved once", async () => {
    const { pool, allocate } = await setup({ free: 10 });
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => allocate({ delta: 4, requestId: "burst" })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
    const lists = new Set(
      answers.map((a) => JSON.stringify(a.body.machines.map((m: { id: string }) => m.id))),
    );
    expect(lists.size).toBe(1);
    expect(answers.filter((a) => a.body.created)).toHaveLength(1);
    expect(await reservedIn(pool.id)).toBe(4);
  });

  it("answers typed errors with counts and does not remember them", async () => {
    const atMax = await setup({ free: 5, maxSize: 2 });
    const full = await atMax.allocate({ delta: 3, requestId: "too-many" });
    expect(full.status).toBe(409);
    expect(full.body.error).toMatchObject({
      code: "pool_at_max",
      details: { current: 0, max: 2, requested: 3 },
    });

    const short = await setup({ free: 2 });
    const notEnough = await short.allocate({ delta: 3, requestId: "short" });
    expect(notEnough.status).toBe(409);
    expect(notEnough.body.error).toMatchObject({
      code: "not_enough_machines",
      details: { requested: 3, available: 2 },
    });
    expect(await reservedIn(short.pool.id)).toBe(0);
    await seedMachines(api.database.db, 1, { labels: { tag: short.tag } });
    const later = await short.allocate({ delta: 3, requestId: "short" });
    expect(later.status).toBe(200);
    expect(later.body.created).toBe(true);

    const off = await setup({ free: 2, enabled: false });
    const disabled = await off.allocate({ delta: 1, requestId: "off" });
    expect(disabled.status).toBe(409);
    expect(disabled.body.error.code).toBe("pool_disabled");
    await api.database.db
      .update(nodePools)
      .set({ autoscalingEnabled: true })
      .where(eq(nodePools.id, off.pool.id));
    expect((await off.allocate({ delta: 1, requestId: "off" })).status).toBe(200);

    const stored = await api.database.db
      .select()
      .from(allocations)
      .where(inArray(allocations.clusterId, [atMax.cluster.id, short.cluster.id, off.cluster.id]));
    expect(stored.map((a) => a.requestId).sort()).toEqual(["off", "short"]);
  });

  it("validates the body and hides unknown pools", async () => {
    const { allocate } = await setup({ free: 1 });
    for (const body of [
      { delta: 0, requestId: "a" },
      { delta: 501, requestId: "a" },
      { delta: 1.5, requestId: "a" },
      { delta: 1, requestId: "" },
      { delta: 1, requestId: "has space" },
      { delta: 1, requestId: "x".repeat(129) },
      { delta: 1, requestId: "a", extra: 1 },
      { delta: 1, requestId: "a", poolId: "not-a-uuid" },
    ]) {
      const res = await allocate(body);
      expect([JSON.stringify(body).slice(0, 60), res.status]).toEqual([
        JSON.stringify(body).slice(0, 60),
        400,
      ]);
    }
    const unknown = await allocate({ poolId: randomUUID(), delta: 1, requestId: "a" });
    expect(unknown.status).toBe(404);
  });
});
