import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Machine, machines, operations } from "../../../../../drizzle/schema/index.ts";
import type { ServiceContext } from "../../../../../functions/services/context.ts";
import {
  applyTransitions,
  MACHINE_TRANSITION_EVENT,
  transitionMachine,
} from "../../../../../functions/services/machines/transition-machine.ts";
import { withClusterWrite } from "../../../../../functions/services/unit-of-work.ts";
import { canTransition, MACHINE_STATES, type MachineState } from "../../../../../proto/machine-states.ts";
import { ALL_DRIVERS, openTestDatabaseOn, type TestDatabaseHandle } from "../../../../support/db-drivers.ts";
import {
  seedCluster,
  seedMachine,
  seedMachines,
  seedPool,
  testContext,
} from "../../../../support/fixtures.ts";
import { requirePostgres } from "../../../../support/postgres.ts";
import { appErrorOf as rejection } from "../../../../support/service-rows.ts";

const postgresOk = await requirePostgres();
const PAIRS = MACHINE_STATES.flatMap((from) => MACHINE_STATES.map((to) => [from, to] as const));

describe.each(ALL_DRIVERS)("machine transitions on %s", (driver) => {
  describe.skipIf(driver !== "pglite" && !postgresOk)(driver, () => {
    let handle: TestDatabaseHandle;
    let ctx: ServiceContext;
    let clusterId: string;
    let poolId: string;
    // one machine per (from, to) pair, seeded in `from`
    const byPair = new Map<string, Machine>();

    const row = async (id: string) => (await handle.db.select().from(machines).where(eq(machines.id, id)))[0];
    const eventsFor = (id: string) =>
      handle.db
        .select()
        .from(operations)
        .where(and(eq(operations.machineId, id), eq(operations.kind, MACHINE_TRANSITION_EVENT)));

    beforeAll(async () => {
      handle = await openTestDatabaseOn(driver);
      ctx = testContext(handle.db, { actor: "test:transitions" });
      clusterId = (await seedCluster(handle.db)).id;
      poolId = (await seedPool(handle.db, clusterId)).id;
      for (const from of MACHINE_STATES) {
        const seeded = await seedMachines(handle.db, MACHINE_STATES.length, {
          status: from,
          clusterId,
          poolId,
        });
        MACHINE_STATES.forEach((to, i) => {
          byPair.set(`${from}>${to}`, seeded[i]!);
        });
      }
    });
    afterAll(async () => handle?.teardown());

    it.each(PAIRS)("%s → %s", async (from: MachineState, to: MachineState) => {
      const machine = byPair.get(`${from}>${to}`)!;
      const call = transitionMachine({
        ctx,
        input: { machineId: machine.id, from, to, reason: `test ${to}` },
      });
      if (!canTransition(from, to)) {
        const err = await rejection(call);
        expect(err.code).toBe("illegal_transition");
        expect(err.details).toEqual({ from, to });
        expect(await row(machine.id)).toEqual(machine);
        expect(await eventsFor(machine.id)).toHaveLength(0);
        return;
      }
      const updated = await call;
      expect(updated.status).toBe(to);
      expect(updated.version).toBe(machine.version + 1);
      expect(updated.statusReason).toBe(`test ${to}`);
      expect(await row(machine.id)).toEqual(updated);
      const events = await eventsFor(machine.id);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        status: "succeeded",
        requestId: ctx.requestId,
        clusterId,
        poolId,
        metadata: { from, to, reason: `test ${to}`, actor: "test:transitions", version: 1 },
      });
    });

    it("applies a patch with the transition and guards on the version", async () => {
      const m = await seedMachine(handle.db, { status: "reserved", clusterId, poolId, version: 4 });
      const joined = await transitionMachine({
        ctx,
        input: {
          machineId: m.id,
          from: "reserved",
          to: "joining",
          expectedVersion: 4,
          patch: { nodeName: "n1" },
        },
      });
      expect(joined).toMatchObject({ status: "joining", version: 5, nodeName: "n1" });
    });

    it("refuses a stale version and leaves the row alone", async () => {
      const m = await seedMachine(handle.db, { status: "available", version: 2 });
      const err = await rejection(
        transitionMachine({
          ctx,
          input: { machineId: m.id, from: "available", to: "maintenance", expectedVersion: 1 },
        }),
      );
      expect(err.code).toBe("stale_version");
      expect(err.details).toEqual({
        expectedStatus: "available",
        actualStatus: "available",
        expectedVersion: 1,
        actualVersion: 2,
      });
      expect(await row(m.id)).toEqual(m);
      expect(await eventsFor(m.id)).toHaveLength(0);
    });

    it("refuses a wrong from-state as stale", async () => {
      const m = await seedMachine(handle.db, { status: "ready", clusterId, poolId });
      const err = await rejection(
        transitionMachine({ ctx, input: { machineId: m.id, from: "available", to: "reserved" } }),
      );
      expect(err.code).toBe("stale_version");
      expect(err.details).toMatchObject({
        expectedStatus: "available",
        actualStatus: "ready",
        actualVersion: 0,
      });
      expect(await row(m.id)).toEqual(m);
    });

    it("answers not_found for a missing or malformed machine id", async () => {
      const missing = "00000000-0000-4000-8000-000000000000";
      for (const machineId of [missing, "not-a-uuid"]) {
        const err = await rejection(
          transitionMachine({ ctx, input: { machineId, from: "available", to: "reserved" } }),
        );
        expect(err.code).toBe("not_found");
      }
    });

    it("leaves the machine unchanged when the event insert fails", async () => {
      const m = await seedMachine(handle.db, { status: "available" });
      // a constraint only this test's request id violates: the UPDATE succeeds, the event INSERT fails
      await handle.db.execute(
        sql.raw(`alter table operations add constraint ksp_test_poison check (request_id <> 'poison')`),
      );
      try {
        const poisoned = testContext(handle.db, { requestId: "poison" });
        const err = await transitionMachine({
          ctx: poisoned,
          input: { machineId: m.id, from: "available", to: "maintenance" },
        }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeDefined();
        expect(String((err as Error).message) + String((err as Error).cause ?? "")).toMatch(
          /ksp_test_poison/,
        );
      } finally {
        await handle.db.execute(sql.raw(`alter table operations drop constraint ksp_test_poison`));
      }
      expect(await row(m.id)).toEqual(m);
      expect(await eventsFor(m.id)).toHaveLength(0);
    });

    it("rolls a whole batch back when one transition in it is stale", async () => {
      const [a, b, c] = await seedMachines(handle.db, 3, { status: "available" });
      const batch = withClusterWrite(ctx, (tx, write) =>
        applyTransitions(
          tx,
          ctx,
          [
            { machineId: a!.id, from: "available", to: "maintenance" },
            { machineId: b!.id, from: "available", to: "maintenance" },
            { machineId: c!.id, from: "ready", to: "draining" },
          ],
          { write },
        ),
      );
      expect((await rejection(batch)).code).toBe("stale_version");
      for (const m of [a!, b!, c!]) {
        expect(await row(m.id)).toEqual(m);
        expect(await eventsFor(m.id)).toHaveLength(0);
      }
    });

    it("checks every transition of a batch before touching the database", async () => {
      const [a] = await seedMachines(handle.db, 1, { status: "available" });
      const batch = withClusterWrite(ctx, (tx, write) =>
        applyTransitions(
          tx,
          ctx,
          [
            { machineId: a!.id, from: "available", to: "maintenance" },
            { machineId: a!.id, from: "maintenance", to: "reserved" },
          ],
          { write },
        ),
      );
      expect((await rejection(batch)).code).toBe("illegal_transition");
      expect(await row(a!.id)).toEqual(a);
    });
  });
});
