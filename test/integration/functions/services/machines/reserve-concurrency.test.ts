import { eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DriverName } from "../../../../../drizzle/client.ts";
import { type Machine, machines, operations } from "../../../../../drizzle/schema/index.ts";
import { AppError } from "../../../../../functions/lib/errors.ts";
import { reserveMachines } from "../../../../../functions/services/machines/reserve-machines.ts";
import { MACHINE_TRANSITION_EVENT } from "../../../../../functions/services/machines/transition-machine.ts";
import { ALL_DRIVERS, openTestDatabaseOn, type TestDatabaseHandle } from "../../../../support/db-drivers.ts";
import { seedCluster, seedMachines, seedPool, testContext } from "../../../../support/fixtures.ts";
import { requirePostgres } from "../../../../support/postgres.ts";

const postgresOk = await requirePostgres();
const RACING_DRIVERS: DriverName[] = ["node-postgres", "neon"];

interface RaceOutcome {
  winners: Machine[][];
  losers: AppError[];
  ms: number;
}

/** Fires every request at once; each runs in its own transaction on its own pooled connection. */
async function race(
  handle: TestDatabaseHandle,
  requests: { clusterId: string; poolId: string }[],
  count: number,
) {
  const started = performance.now();
  const settled = await Promise.allSettled(
    requests.map((r, i) =>
      reserveMachines({ ctx: testContext(handle.db), input: { ...r, count, requestId: `alloc-${i}` } }),
    ),
  );
  const outcome: RaceOutcome = { winners: [], losers: [], ms: Math.round(performance.now() - started) };
  for (const s of settled) {
    if (s.status === "fulfilled") outcome.winners.push(s.value);
    else outcome.losers.push(s.reason as AppError);
  }
  return outcome;
}

/**
 * What must hold after any race: every loser got not_enough_machines with
 * counts; no machine reserved twice; none lost (reserved + available = all,
 * and the reserved ones are exactly the winners' results); one event each.
 */
async function expectConsistent(
  handle: TestDatabaseHandle,
  outcome: RaceOutcome,
  ids: string[],
  perRequest: number,
) {
  const { winners, losers } = outcome;
  for (const err of losers) {
    expect(err).toBeInstanceOf(AppError);
    expect(err.code).toBe("not_enough_machines");
    expect(err.details).toMatchObject({ requested: perRequest });
    expect((err.details as { available: number }).available).toBeLessThan(perRequest);
  }
  for (const won of winners) expect(won).toHaveLength(perRequest);
  const reservedIds = winners.flat().map((m) => m.id);
  expect(new Set(reservedIds).size).toBe(reservedIds.length); // nothing reserved twice

  const rows = await handle.db.select().from(machines).where(inArray(machines.id, ids));
  const reserved = rows.filter((m) => m.status === "reserved");
  const available = rows.filter((m) => m.status === "available");
  expect(reserved.length + available.length).toBe(ids.length); // nothing lost
  expect(reserved.map((m) => m.id).sort()).toEqual([...reservedIds].sort());
  for (const m of reserved) {
    expect(m.providerId).toBe(`ksp://${m.id}`);
    expect(m.version).toBe(1);
  }

  const events = await handle.db
    .select()
    .from(operations)
    .where(eq(operations.kind, MACHINE_TRANSITION_EVENT));
  const mine = events.filter((e) => e.machineId && ids.includes(e.machineId));
  expect(mine).toHaveLength(reserved.length); // exactly one event per reserved machine
  expect(new Set(mine.map((e) => e.machineId)).size).toBe(reserved.length);
  // every event carries the allocation id of the request that won the machine
  for (const won of winners) {
    const requestIds = new Set(
      mine.filter((e) => won.some((m) => m.id === e.machineId)).map((e) => e.requestId),
    );
    expect(requestIds.size).toBe(1);
  }
  return { reserved: reserved.length, available: available.length };
}

describe.each(RACING_DRIVERS)("concurrent reservations on %s", (driver) => {
  describe.skipIf(!postgresOk)(driver, () => {
    let handle: TestDatabaseHandle;
    beforeAll(async () => {
      handle = await openTestDatabaseOn(driver, { maxConnections: 25 });
    });
    afterAll(async () => handle?.teardown());

    it("20 racing reservations of 3 over 50 pool machines: 16 win, 4 lose, nothing doubled or lost", async () => {
      const cluster = await seedCluster(handle.db);
      const pool = await seedPool(handle.db, cluster.id, { maxSize: 1000 });
      const seeded = await seedMachines(handle.db, 50, { clusterId: cluster.id, poolId: pool.id });
      const requests = Array.from({ length: 20 }, () => ({ clusterId: cluster.id, poolId: pool.id }));
      const outcome = await race(handle, requests, 3);
      console.log(`[reserve-concurrency] ${driver}: 20 × reserve(3) on one pool took ${outcome.ms} ms`);
      const counts = await expectConsistent(
        handle,
        outcome,
        seeded.map((m) => m.id),
        3,
      );
      // reservations of one pool queue on its row, so the outcome is exact
      expect({ winners: outcome.winners.length, losers: outcome.losers.length }).toEqual({
        winners: 16,
        losers: 4,
      });
      expect(counts).toEqual({ reserved: 48, available: 2 });
    });

    it("two pools racing for 50 free-inventory machines never take the same one", async () => {
      const cluster = await seedCluster(handle.db);
      // a marker label keeps these machines apart from other tests' free inventory in this database
      const marker = { race: `r${Date.now()}` };
      const wants = { maxSize: 1000, hardwareRequirements: { machineLabels: marker } };
      const poolA = await seedPool(handle.db, cluster.id, { ...wants, scaleUpPolicy: "least-used" });
      const poolB = await seedPool(handle.db, cluster.id, { ...wants, scaleUpPolicy: "random" });
      const seeded = await seedMachines(handle.db, 50, { labels: marker });
      const requests = Array.from({ length: 20 }, (_, i) => ({
        clusterId: cluster.id,
        poolId: i % 2 === 0 ? poolA.id : poolB.id,
      }));
      const outcome = await race(handle, requests, 3);
      console.log(`[reserve-concurrency] ${driver}: 20 × reserve(3) across two pools took ${outcome.ms} ms`);
      const counts = await expectConsistent(
        handle,
        outcome,
        seeded.map((m) => m.id),
        3,
      );
      expect(counts.reserved).toBe(outcome.winners.length * 3);
      // SKIP LOCKED may fail a request while a rival holds rows it later gives back,
      // but only once the inventory is nearly gone: one request per pool at a time
      expect(outcome.winners.length).toBeGreaterThanOrEqual(15);
      expect(counts.available).toBeLessThanOrEqual(5);
    });
  });
});

describe.each(ALL_DRIVERS)("reservation rules on %s", (driver) => {
  describe.skipIf(driver !== "pglite" && !postgresOk)(driver, () => {
    let handle: TestDatabaseHandle;
    beforeAll(async () => {
      handle = await openTestDatabaseOn(driver);
    });
    afterAll(async () => handle?.teardown());

    const fail = (p: Promise<unknown>) =>
      p.then(
        () => {
          throw new Error("expected the reservation to fail");
        },
        (e: unknown) => e as AppError,
      );

    it("refuses a pool at its max size, with the counts", async () => {
      const cluster = await seedCluster(handle.db);
      const pool = await seedPool(handle.db, cluster.id, { maxSize: 3 });
      await seedMachines(handle.db, 2, { clusterId: cluster.id, poolId: pool.id, status: "ready" });
      const free = await seedMachines(handle.db, 2, { clusterId: cluster.id, poolId: pool.id });
      const ctx = testContext(handle.db);
      const err = await fail(
        reserveMachines({ ctx, input: { clusterId: cluster.id, poolId: pool.id, count: 2, requestId: "a" } }),
      );
      expect(err.code).toBe("pool_at_max");
      expect(err.details).toMatchObject({ current: 2, max: 3, requested: 2 });
      const one = await reserveMachines({
        ctx,
        input: { clusterId: cluster.id, poolId: pool.id, count: 1, requestId: "b" },
      });
      expect(one).toHaveLength(1);
      const again = await fail(
        reserveMachines({ ctx, input: { clusterId: cluster.id, poolId: pool.id, count: 1, requestId: "c" } }),
      );
      expect(again.code).toBe("pool_at_max");
      expect(again.details).toMatchObject({ current: 3, max: 3 });
      expect(free.map((m) => m.id)).toContain(one[0]!.id);
    });

    it("refuses a pool with autoscaling disabled", async () => {
      const cluster = await seedCluster(handle.db);
      const pool = await seedPool(handle.db, cluster.id, { autoscalingEnabled: false });
      await seedMachines(handle.db, 2, { clusterId: cluster.id, poolId: pool.id });
      const err = await fail(
        reserveMachines({
          ctx: testContext(handle.db),
          input: { clusterId: cluster.id, poolId: pool.id, count: 1, requestId: "d" },
        }),
      );
      expect(err.code).toBe("pool_disabled");
    });

    it("answers not_found for a pool of another cluster, and rejects a bad count", async () => {
      const cluster = await seedCluster(handle.db);
      const other = await seedCluster(handle.db);
      const pool = await seedPool(handle.db, cluster.id);
      const ctx = testContext(handle.db);
      const wrong = await fail(
        reserveMachines({ ctx, input: { clusterId: other.id, poolId: pool.id, count: 1, requestId: "e" } }),
      );
      expect(wrong.code).toBe("not_found");
      const zero = await fail(
        reserveMachines({ ctx, input: { clusterId: cluster.id, poolId: pool.id, count: 0, requestId: "f" } }),
      );
      expect(zero.code).toBe("validation_failed");
    });

    it("takes free inventory only when it meets the hardware requirements, own machines first", async () => {
      const cluster = await seedCluster(handle.db);
      const marker = { fit: `f${Date.now()}` };
      const pool = await seedPool(handle.db, cluster.id, {
        scaleUpPolicy: "most-available",
        hardwareRequirements: { minCpuCores: 16, machineLabels: marker },
      });
      const [own] = await seedMachines(handle.db, 1, { clusterId: cluster.id, poolId: pool.id, cpuCores: 2 });
      const small = await seedMachines(handle.db, 2, { cpuCores: 8, labels: marker });
      const [big] = await seedMachines(handle.db, 1, { cpuCores: 32, labels: marker });
      const [medium] = await seedMachines(handle.db, 1, { cpuCores: 16, labels: marker });
      const ctx = testContext(handle.db);
      const got = await reserveMachines({
        ctx,
        input: { clusterId: cluster.id, poolId: pool.id, count: 3, requestId: "g" },
      });
      expect(got.map((m) => m.id)).toEqual([own!.id, big!.id, medium!.id]);
      for (const m of got)
        expect(m).toMatchObject({ status: "reserved", clusterId: cluster.id, poolId: pool.id });
      const err = await fail(
        reserveMachines({ ctx, input: { clusterId: cluster.id, poolId: pool.id, count: 1, requestId: "h" } }),
      );
      expect(err.code).toBe("not_enough_machines");
      expect(err.details).toMatchObject({ requested: 1, available: 0 });
      const untouched = await handle.db
        .select()
        .from(machines)
        .where(
          inArray(
            machines.id,
            small.map((m) => m.id),
          ),
        );
      expect(untouched.every((m) => m.status === "available" && m.poolId === null)).toBe(true);
    });
  });
});
