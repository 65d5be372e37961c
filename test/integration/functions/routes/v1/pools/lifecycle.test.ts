/**
 * Enabling/disabling autoscaling, the status view (counts per state, target,
 * in use, recent events) and deletion, which machines still assigned block.
 */
import { randomUUID } from "node:crypto";
import { and, eq, ne } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clusters, machines, nodePools, operations } from "../../../../../../drizzle/schema/index.ts";
import { transitionMachine } from "../../../../../../functions/services/machines/transition-machine.ts";
import { MACHINE_STATES } from "../../../../../../proto/machine-states.ts";
import { startTestApi, type TestApi } from "../../../../../support/api.ts";
import { seedCluster, seedMachines, seedPool, testContext } from "../../../../../support/fixtures.ts";
import { requirePostgres } from "../../../../../support/postgres.ts";

const ok = await requirePostgres();

describe.skipIf(!ok)("pool lifecycle: autoscaling switch, status, deletion", () => {
  let api: TestApi;
  let clusterId: string;
  beforeAll(async () => {
    api = await startTestApi();
    clusterId = (await seedCluster(api.database.db)).id;
  });
  afterAll(() => api?.close());

  const db = () => api.database.db;
  const poolPath = (poolId: string) => `/v1/clusters/${clusterId}/pools/${poolId}`;
  const post = (path: string) => api.json("POST", path, { token: api.admin });
  const stateVersion = async () =>
    (await db().select().from(clusters).where(eq(clusters.id, clusterId)))[0]!.stateVersion;

  it("enable/disable toggle autoscaling idempotently, bumping the state version only on a change", async () => {
    const pool = await seedPool(db(), clusterId);
    const v0 = await stateVersion();

    const disabled = await post(`${poolPath(pool.id)}/disable`);
    expect(disabled.status).toBe(200);
    expect(disabled.body.autoscalingEnabled).toBe(false);
    expect(await stateVersion()).toBe(v0 + 1);

    const again = await post(`${poolPath(pool.id)}/disable`);
    expect(again.status).toBe(200);
    expect(again.body.autoscalingEnabled).toBe(false);
    expect(await stateVersion()).toBe(v0 + 1);

    expect((await post(`${poolPath(pool.id)}/enable`)).body.autoscalingEnabled).toBe(true);
    expect((await post(`${poolPath(pool.id)}/enable`)).status).toBe(200);
    expect(await stateVersion()).toBe(v0 + 2);

    const kinds = (await db().select().from(operations).where(eq(operations.poolId, pool.id))).map(
      (e) => e.kind,
    );
    expect(kinds.sort()).toEqual(["pool.autoscaling_disabled", "pool.autoscaling_enabled"]);
    expect((await post(`${poolPath(randomUUID())}/enable`)).status).toBe(404);
  });

  it("status counts machines in all nine states, derives target and in-use, and lists recent events", async () => {
    const pool = await seedPool(db(), clusterId, { minSize: 1, maxSize: 10 });
    const seeded = {
      available: 1,
      reserved: 2,
      joining: 1,
      ready: 3,
      draining: 1,
      leaving: 1,
      fault: 2,
    } as const;
    for (const [status, n] of Object.entries(seeded)) {
      await seedMachines(db(), n, { clusterId, poolId: pool.id, status: status as keyof typeof seeded });
    }
    // a machine of another pool and a free one do not count
    await seedMachines(db(), 1, { clusterId, poolId: (await seedPool(db(), clusterId)).id, status: "ready" });
    await seedMachines(db(), 1);
    // one real transition, so the pool has a machine event
    const [mover] = await seedMachines(db(), 1, { clusterId, poolId: pool.id, status: "ready" });
    await transitionMachine({
      ctx: testContext(db()),
      input: { machineId: mover!.id, from: "ready", to: "maintenance", reason: "disk" },
    });
    await post(`${poolPath(pool.id)}/disable`);

    const { status, body } = await api.json("GET", `${poolPath(pool.id)}/status`, { token: api.admin });
    expect(status).toBe(200);
    expect(Object.keys(body.counts).sort()).toEqual([...MACHINE_STATES].sort());
    expect(body.counts).toEqual({ ...seeded, maintenance: 1, archived: 0 });
    expect(body).toMatchObject({
      poolId: pool.id,
      clusterId,
      minSize: 1,
      maxSize: 10,
      autoscalingEnabled: false,
      total: 12,
      target: 6, // reserved 2 + joining 1 + ready 3
      inUse: 8, // + draining 1 + leaving 1
    });
    expect(body.events.map((e: { kind: string }) => e.kind)).toEqual([
      "pool.autoscaling_disabled",
      "machine.transition",
    ]);
    expect(body.events[1]).toMatchObject({
      machineId: mover!.id,
      status: "succeeded",
      metadata: { from: "ready", to: "maintenance", reason: "disk" },
    });
  });

  it("status lists at most the 20 newest events", async () => {
    const pool = await seedPool(db(), clusterId);
    for (let i = 0; i < 25; i++) {
      await post(`${poolPath(pool.id)}/${i % 2 === 0 ? "disable" : "enable"}`);
    }
    const { body } = await api.json("GET", `${poolPath(pool.id)}/status`, { token: api.admin });
    expect(body.events).toHaveLength(20);
    // the last call (i = 24) disabled it
    expect(body.events[0].kind).toBe("pool.autoscaling_disabled");
    const times = body.events.map((e: { createdAt: string }) => Date.parse(e.createdAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it("refuses to delete a pool while machines are assigned (409 with counts), then deletes it", async () => {
    const pool = await seedPool(db(), clusterId);
    await seedMachines(db(), 2, { clusterId, poolId: pool.id, status: "ready" });
    await seedMachines(db(), 1, { clusterId, poolId: pool.id, status: "maintenance" });
    const [archived] = await seedMachines(db(), 1, { clusterId, poolId: pool.id, status: "archived" });

    const refused = await api.json("DELETE", poolPath(pool.id), { token: api.admin });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({
      code: "conflict",
      details: { poolId: pool.id, assigned: 3, assignedByStatus: { ready: 2, maintenance: 1 } },
    });

    // released (the machines area does that through its own route); archived ones stay
    await db()
      .update(machines)
      .set({ poolId: null })
      .where(and(eq(machines.poolId, pool.id), ne(machines.status, "archived")));
    const v0 = await stateVersion();
    const deleted = await api.json("DELETE", poolPath(pool.id), { token: api.admin });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ poolId: pool.id, name: pool.name, detachedArchivedMachines: 1 });
    expect(await stateVersion()).toBe(v0 + 1);
    expect(await db().select().from(nodePools).where(eq(nodePools.id, pool.id))).toEqual([]);
    const [kept] = await db().select().from(machines).where(eq(machines.id, archived!.id));
    expect(kept).toMatchObject({ status: "archived", poolId: null, clusterId });

    const [event] = await db().select().from(operations).where(eq(operations.kind, "pool.deleted"));
    expect(event?.metadata).toMatchObject({ poolId: pool.id, name: pool.name });
    expect((await api.json("GET", poolPath(pool.id), { token: api.admin })).status).toBe(404);
    expect((await api.json("DELETE", poolPath(pool.id), { token: api.admin })).status).toBe(404);
  });
});
