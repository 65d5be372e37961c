/**
 * The guarded placement writer: every change of a machine's cluster and pool
 * without a status change goes through it. It writes only a row still in the
 * status, place and version the caller read; a batch commits whole or not at
 * all; every change leaves events of one shape and bumps the version once.
 */
import { eq, inArray, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Cluster,
  clusters,
  machines,
  type NodePool,
  operations,
} from "../../../../../drizzle/schema/index.ts";
import type { AppError } from "../../../../../functions/lib/errors.ts";
import {
  MACHINE_ASSIGN_EVENT,
  MACHINE_MOVE_EVENT,
  MACHINE_RELEASED_EVENT,
  type PlacementChange,
  writePlacement,
  writePlacements,
} from "../../../../../functions/services/machines/placement-write.ts";
import { withClusterWrite } from "../../../../../functions/services/unit-of-work.ts";
import { openTestDatabaseOn, type TestDatabaseHandle } from "../../../../support/db-drivers.ts";
import { seedCluster, seedMachine, seedPool, testContext } from "../../../../support/fixtures.ts";
import { requirePostgres } from "../../../../support/postgres.ts";
import { appErrorOf as rejection } from "../../../../support/service-rows.ts";

const ok = await requirePostgres();

describe.skipIf(!ok)("guarded placement writer", () => {
  let handle: TestDatabaseHandle;
  let a: Cluster;
  let b: Cluster;
  let poolA: NodePool;
  let poolB: NodePool;

  beforeAll(async () => {
    handle = await openTestDatabaseOn("node-postgres");
    a = await seedCluster(handle.db);
    b = await seedCluster(handle.db);
    poolA = await seedPool(handle.db, a.id);
    poolB = await seedPool(handle.db, b.id);
  });
  afterAll(async () => handle?.teardown());

  const db = () => handle.db;
  const rowOf = async (id: string) => (await db().select().from(machines).where(eq(machines.id, id)))[0]!;
  const versions = async () =>
    Object.fromEntries(
      (
        await db()
          .select()
          .from(clusters)
          .where(inArray(clusters.id, [a.id, b.id]))
      ).map((c) => [c.id, c.stateVersion]),
    );
  const eventsOf = (requestId: string) =>
    db().select().from(operations).where(eq(operations.requestId, requestId));
  const run = (requestId: string, changes: PlacementChange[]) => {
    const ctx = testContext(db(), { requestId, actor: "test:placement" });
    return withClusterWrite(ctx, (tx, write) => writePlacements(tx, ctx, write, changes));
  };

  it("moves and releases a batch in one write: one version bump each, events of one shape", async () => {
    const moving = await seedMachine(db(), { clusterId: a.id, poolId: poolA.id, version: 2 });
    const released = await seedMachine(db(), { clusterId: a.id, poolId: poolA.id, status: "maintenance" });
    const before = await versions();
    const requestId = `req-${crypto.randomUUID()}`;
    const [moved, freed] = await run(requestId, [
      { read: moving, to: { clusterId: b.id, poolId: poolB.id }, kind: MACHINE_MOVE_EVENT },
      {
        read: released,
        to: { clusterId: null, poolId: null },
        kind: MACHINE_RELEASED_EVENT,
        reason: "cluster deleted",
        metadata: { formerPoolId: poolA.id },
      },
    ]);
    expect(moved).toMatchObject({ clusterId: b.id, poolId: poolB.id, status: "available", version: 3 });
    expect(freed).toMatchObject({
      clusterId: null,
      poolId: null,
      status: "maintenance",
      version: 1,
      originClusterId: a.id,
    });
    expect(await rowOf(moving.id)).toEqual(moved);
    // each cluster's agent sees the change: exactly one bump per cluster for the whole write
    expect(await versions()).toEqual({ [a.id]: before[a.id]! + 1, [b.id]: before[b.id]! + 1 });

    const events = await eventsOf(requestId);
    // the move shows in both clusters' histories, the release in the one it left
    expect(
      events
        .filter((e) => e.machineId === moving.id)
        .map((e) => e.clusterId)
        .sort(),
    ).toEqual([a.id, b.id].sort());
    expect(events.filter((e) => e.machineId === released.id).map((e) => e.clusterId)).toEqual([a.id]);
    for (const event of events) {
      const mine = event.machineId === moving.id;
      expect(event).toMatchObject({
        kind: mine ? MACHINE_MOVE_EVENT : MACHINE_RELEASED_EVENT,
        status: "succeeded",
      });
      expect(event.metadata).toEqual({
        ...(mine ? {} : { formerPoolId: poolA.id }),
        from: { clusterId: a.id, poolId: poolA.id },
        to: mine ? { clusterId: b.id, poolId: poolB.id } : { clusterId: null, poolId: null },
        status: mine ? "available" : "maintenance",
        reason: mine ? null : "cluster deleted",
        actor: "test:placement",
        version: mine ? 3 : 1,
      });
    }
  });

  it("records an assign where the machine arrives, and a pool-only detach in its cluster", async () => {
    const free = await seedMachine(db());
    // an archived machine let go of by its deleted pool stays in its cluster
    const archived = await seedMachine(db(), { status: "archived", clusterId: a.id, poolId: poolA.id });
    const requestId = `req-${crypto.randomUUID()}`;
    await run(requestId, [
      { read: free, to: { clusterId: a.id, poolId: poolA.id }, kind: MACHINE_ASSIGN_EVENT },
      { read: archived, to: { clusterId: a.id, poolId: null }, kind: MACHINE_RELEASED_EVENT },
    ]);
    const events = await eventsOf(requestId);
    const clustersOf = (id: string) => events.filter((e) => e.machineId === id).map((e) => e.clusterId);
    expect(clustersOf(free.id)).toEqual([a.id]);
    expect(clustersOf(archived.id)).toEqual([a.id]);
    // it did not leave its cluster, so the origin it had stays
    expect(await rowOf(archived.id)).toMatchObject({ clusterId: a.id, poolId: null, originClusterId: null });
  });

  it("refuses a stale version and rolls the whole batch back", async () => {
    const fine = await seedMachine(db(), { clusterId: a.id, poolId: poolA.id });
    const stale = await seedMachine(db(), { clusterId: a.id, poolId: poolA.id });
    // someone else changes the machine after we read it
    await db().execute(sql`update machines set version = version + 1 where id = ${stale.id}`);
    const before = await versions();
    const requestId = `req-${crypto.randomUUID()}`;
    const err = await rejection(
      run(requestId, [
        { read: fine, to: { clusterId: null, poolId: null }, kind: MACHINE_RELEASED_EVENT },
        { read: stale, to: { clusterId: null, poolId: null }, kind: MACHINE_RELEASED_EVENT },
      ]),
    );
    expect(err.code).toBe("stale_version");
    expect(err.details).toMatchObject({ machineId: stale.id, expectedVersion: 0, actualVersion: 1 });
    expect(await rowOf(fine.id)).toEqual(fine);
    expect((await rowOf(stale.id)).clusterId).toBe(a.id);
    expect(await eventsOf(requestId)).toHaveLength(0);
    expect(await versions()).toEqual(before);
  });

  it("refuses a machine whose status changed since it was read, even at the same version", async () => {
    const machine = await seedMachine(db(), { clusterId: a.id, poolId: poolA.id });
    await db().execute(sql`update machines set status = 'reserved' where id = ${machine.id}`);
    const requestId = `req-${crypto.randomUUID()}`;
    const err = await rejection(
      run(requestId, [
        { read: machine, to: { clusterId: b.id, poolId: poolB.id }, kind: MACHINE_MOVE_EVENT },
      ]),
    );
    expect(err.code).toBe("stale_version");
    expect(err.details).toMatchObject({ expectedStatus: "available", actualStatus: "reserved" });
    expect((await rowOf(machine.id)).clusterId).toBe(a.id);
    expect(await eventsOf(requestId)).toHaveLength(0);
  });

  it("lets exactly one of several writers with the same read win", async () => {
    const machine = await seedMachine(db(), { clusterId: a.id, poolId: poolA.id });
    const settled = await Promise.allSettled(
      Array.from({ length: 6 }, () => {
        const ctx = testContext(db());
        return withClusterWrite(ctx, (tx, write) =>
          writePlacement(tx, ctx, write, {
            read: machine,
            to: { clusterId: b.id, poolId: poolB.id },
            kind: MACHINE_MOVE_EVENT,
          }),
        );
      }),
    );
    expect(settled.filter((s) => s.status === "fulfilled")).toHaveLength(1);
    for (const lost of settled.filter((s) => s.status === "rejected")) {
      expect((lost.reason as AppError).code).toBe("stale_version");
    }
    expect(await rowOf(machine.id)).toMatchObject({ clusterId: b.id, version: 1 });
  });

  it("refuses a batch that names a machine twice, or a change that goes nowhere", async () => {
    const machine = await seedMachine(db(), { clusterId: a.id, poolId: poolA.id });
    const twice = await rejection(
      run(`req-${crypto.randomUUID()}`, [
        { read: machine, to: { clusterId: null, poolId: null }, kind: MACHINE_RELEASED_EVENT },
        { read: machine, to: { clusterId: b.id, poolId: poolB.id }, kind: MACHINE_MOVE_EVENT },
      ]),
    );
    expect(twice.code).toBe("validation_failed");
    const nowhere = await rejection(
      run(`req-${crypto.randomUUID()}`, [
        { read: machine, to: { clusterId: a.id, poolId: poolA.id }, kind: MACHINE_MOVE_EVENT },
      ]),
    );
    expect(nowhere.code).toBe("validation_failed");
    expect(await rowOf(machine.id)).toEqual(machine);
  });
});
