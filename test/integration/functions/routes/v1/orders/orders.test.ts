/**
 * /v1/orders on Postgres and PGlite: manual creation (400s naming the field,
 * 409s naming the machine, one open order per machine), reads (filters,
 * pagination, cluster scope), the lifecycle (every decision from every
 * status: only pending may be decided, 409 otherwise; a stale version is a
 * 409; of a concurrent approve and ignore exactly one wins), and execution:
 * an entry order assigns its machines (the agent's state version moves), an
 * exit order unassigns available machines at once and drains ready ones,
 * which the tracker unassigns once the agent (through /v1/agent/transitions)
 * has reset them. Outbox rows and audit rows are written with each change.
 */
import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLogs, ORDER_STATUSES, orders } from "../../../../../../drizzle/schema/index.ts";
import { startTestApi, TEST_API_DRIVERS, type TestApi } from "../../../../../support/api.ts";
import { seedCluster, seedMachine, seedMachines, seedPool } from "../../../../../support/fixtures.ts";
import {
  agentReports,
  machineRow,
  type OrderBody,
  type OrderWorld,
  orderWorld,
  outboxOf,
  stateVersion,
  subscribeToOrders,
  track,
} from "../../../../../support/orders/order-fixtures.ts";
import { requirePostgres } from "../../../../../support/postgres.ts";

const ok = await requirePostgres();

describe.each(TEST_API_DRIVERS)("orders on %s", (driver) => {
  describe.skipIf(driver !== "pglite" && !ok)(driver, () => {
    let api: TestApi;
    let world: OrderWorld;
    beforeAll(async () => {
      api = await startTestApi({ driver });
      world = await orderWorld(api);
      await subscribeToOrders(api);
    });
    afterAll(() => api?.close());

    const db = () => api.database.db;
    const create = (body: unknown, token = world.operator) =>
      api.json<OrderBody>("POST", "/v1/orders", { token, body });
    const decide = (id: string, verb: string, body: unknown = {}, token = world.operator) =>
      api.json<OrderBody>("POST", `/v1/orders/${id}/${verb}`, { token, body });
    const get = (id: string, token = world.viewer) =>
      api.json<OrderBody>("GET", `/v1/orders/${id}`, { token });
    const free = (n = 1, values = {}) => seedMachines(db(), n, values);
    const inPool = (n: number, status: "available" | "ready") =>
      seedMachines(db(), n, {
        clusterId: world.clusterId,
        poolId: world.poolId,
        status,
        ...(status === "ready" ? { nodeName: `node-${randomUUID().slice(0, 8)}` } : {}),
      });
    const entry = (machineIds: string[]) =>
      create({ action: "pool_entry", clusterId: world.clusterId, poolId: world.poolId, machineIds });
    const exit = (machineIds: string[]) =>
      create({ action: "pool_exit", clusterId: world.clusterId, poolId: world.poolId, machineIds });

    describe("creation", () => {
      it("creates a pending order with its devices, audit row and order.created outbox row", async () => {
        const [a, b] = await free(2);
        const res = await create({
          action: "pool_entry",
          clusterId: world.clusterId,
          poolId: world.poolId,
          machineIds: [a!.id, b!.hostname],
          reason: "hot for a week",
        });
        expect(res.status, JSON.stringify(res.body)).toBe(201);
        expect(res.body).toMatchObject({
          number: expect.stringMatching(/^ORD-\d{6}$/),
          action: "pool_entry",
          status: "pending",
          clusterId: world.clusterId,
          poolId: world.poolId,
          strategyId: null,
          reason: "hot for a week",
          createdBy: expect.stringMatching(/^token:/),
          executedBy: null,
          maintenanceWindow: null,
          version: 0,
        });
        expect(res.body.devices.map((d) => [d.machineId, d.hostname, d.status]).sort()).toEqual(
          [
            [a!.id, a!.hostname, "pending"],
            [b!.id, b!.hostname, "pending"],
          ].sort(),
        );
        expect((await get(res.body.id)).body).toEqual(res.body);
        expect(await outboxOf(api, res.body.id)).toEqual(["order.created"]);
        const audit = await db().select().from(auditLogs).where(eq(auditLogs.resourceId, res.body.id));
        expect(audit.map((r) => [r.action, r.result, r.clusterId])).toEqual([
          ["order.create", "success", world.clusterId],
        ]);
      });

      it("answers 400 naming the field", async () => {
        const [m] = await free();
        const cases: [unknown, string][] = [
          [{ action: "pool_exit", clusterId: world.clusterId, machineIds: [m!.id] }, "poolId"],
          [{ action: "uncordon", machineIds: [m!.id] }, "action"],
          [{ action: "maintenance", machineIds: [] }, "machineIds"],
          [{ action: "maintenance", machineIds: [m!.id, m!.hostname] }, "machineIds[1]"],
          [
            {
              action: "maintenance",
              machineIds: [m!.id],
              maintenanceWindow: { start: "2030-01-02T00:00:00Z", end: "2030-01-01T00:00:00Z" },
            },
            "maintenanceWindow.end",
          ],
          [{ action: "maintenance", machineIds: [m!.id], surprise: 1 }, "surprise"],
        ];
        for (const [body, field] of cases) {
          const res = await create(body);
          expect(res.status, JSON.stringify(body)).toBe(400);
          expect(res.body.error!.code).toBe("validation_failed");
          expect(JSON.stringify(res.body.error), JSON.stringify(body)).toContain(field);
        }
      });

      it("answers 409 naming the machine that does not suit the action", async () => {
        const other = await seedCluster(db());
        const otherPool = await seedPool(db(), other.id);
        const [assigned] = await seedMachines(db(), 1, { clusterId: other.id, poolId: otherPool.id });
        const [busy] = await free(1, { status: "maintenance" });
        const picky = await seedPool(db(), world.clusterId, {
          hardwareRequirements: { minCpuCores: 64 },
        });
        const [small] = await free();
        const [stranger] = await free();
        const cases: [Promise<{ status: number; body: OrderBody }>, string][] = [
          [entry([assigned!.id]), assigned!.hostname],
          [entry([busy!.id]), busy!.hostname],
          [
            create({
              action: "pool_entry",
              clusterId: world.clusterId,
              poolId: picky.id,
              machineIds: [small!.id],
            }),
            small!.hostname,
          ],
          [exit([stranger!.id]), stranger!.hostname],
        ];
        for (const [call, hostname] of cases) {
          const res = await call;
          expect(res.status, JSON.stringify(res.body)).toBe(409);
          expect(res.body.error!.message).toContain(hostname);
        }
      });

      it("keeps a machine in one open order at a time, and frees it once that order closes", async () => {
        const [m] = await free();
        const first = await create({ action: "maintenance", machineIds: [m!.id] });
        expect(first.status).toBe(201);
        const second = await entry([m!.id]);
        expect(second.status).toBe(409);
        expect(second.body.error!.message).toContain(m!.hostname);
        expect(second.body.error!.message).toContain(first.body.number);
        expect((await decide(first.body.id, "cancel")).status).toBe(200);
        expect((await entry([m!.id])).status).toBe(201);
      });

      it("a maintenance order is its machines' cluster's; a cluster it does not match is a 409", async () => {
        const [m] = await inPool(1, "available");
        const made = await create({ action: "maintenance", machineIds: [m!.id] });
        expect(made.body).toMatchObject({ clusterId: world.clusterId, poolId: world.poolId });
        await decide(made.body.id, "cancel");
        const other = await seedCluster(db());
        const wrong = await create({ action: "maintenance", clusterId: other.id, machineIds: [m!.id] });
        expect(wrong.status).toBe(409);
        expect(wrong.body.error!.message).toContain(m!.hostname);
      });
    });

    describe("reads", () => {
      it("lists with filters and cursor pagination", async () => {
        const cluster = await seedCluster(db());
        const pool = await seedPool(db(), cluster.id);
        const made: OrderBody[] = [];
        for (let i = 0; i < 3; i++) {
          const [m] = await free();
          const res = await create({
            action: "pool_entry",
            clusterId: cluster.id,
            poolId: pool.id,
            machineIds: [m!.id],
          });
          made.push(res.body);
        }
        await decide(made[0]!.id, "ignore");
        const all: OrderBody[] = [];
        let cursor: string | null = null;
        do {
          const res: { status: number; body: { items: OrderBody[]; nextCursor: string | null } } =
            await api.json(
              "GET",
              `/v1/orders?limit=2&clusterId=${cluster.id}${cursor ? `&cursor=${cursor}` : ""}`,
              { token: world.viewer },
            );
          expect(res.status).toBe(200);
          all.push(...res.body.items);
          cursor = res.body.nextCursor;
        } while (cursor);
        expect(all.map((o) => o.id)).toEqual(made.map((o) => o.id));
        expect(all[1]!.devices).toHaveLength(1);
        const pending = await api.json(
          "GET",
          `/v1/orders?clusterId=${cluster.id}&status=pending,processing`,
          {
            token: world.viewer,
          },
        );
        expect(pending.body.items.map((o: OrderBody) => o.id)).toEqual([made[1]!.id, made[2]!.id]);
        const byPool = await api.json(
          "GET",
          `/v1/orders?poolId=${pool.id}&action=pool_entry&status=ignored`,
          {
            token: world.viewer,
          },
        );
        expect(byPool.body.items.map((o: OrderBody) => o.id)).toEqual([made[0]!.id]);
        const bad = await api.json("GET", "/v1/orders?status=done", { token: world.viewer });
        expect(bad.status).toBe(400);
        expect(bad.body.error.message).toContain("status");
      });

      it("a cluster-scoped token sees and decides only its cluster's orders", async () => {
        const mine = await orderWorld(api);
        const scopedViewer = await api.tokenFor("viewer", mine.clusterId);
        const scopedOperator = await api.tokenFor("operator", mine.clusterId);
        const [own] = await seedMachines(db(), 1, { clusterId: mine.clusterId, poolId: mine.poolId });
        const ownOrder = await create(
          { action: "pool_exit", clusterId: mine.clusterId, poolId: mine.poolId, machineIds: [own!.id] },
          scopedOperator,
        );
        expect(ownOrder.status, JSON.stringify(ownOrder.body)).toBe(201);
        const [freeOne] = await free();
        const freeOrder = await create({ action: "maintenance", machineIds: [freeOne!.id] });
        const [theirs] = await free();
        const theirOrder = await entry([theirs!.id]);

        const listed = await api.json("GET", "/v1/orders?limit=500", { token: scopedViewer });
        expect(listed.body.items.map((o: OrderBody) => o.id)).toEqual([ownOrder.body.id]);
        for (const id of [freeOrder.body.id, theirOrder.body.id]) {
          expect((await get(id, scopedViewer)).status).toBe(404);
          expect((await decide(id, "approve", {}, scopedOperator)).status).toBe(404);
        }
        const foreign = await api.json("GET", `/v1/orders?clusterId=${world.clusterId}`, {
          token: scopedViewer,
        });
        expect(foreign.status).toBe(404);
        // machines of the free inventory are not the scoped token's to name
        const [another] = await free();
        const refused = await create(
          { action: "pool_entry", clusterId: mine.clusterId, poolId: mine.poolId, machineIds: [another!.id] },
          scopedOperator,
        );
        expect(refused.status).toBe(404);
        const otherCluster = await create(
          { action: "pool_exit", clusterId: world.clusterId, poolId: world.poolId, machineIds: [own!.id] },
          scopedOperator,
        );
        expect(otherCluster.status).toBe(404);
        // a viewer reads but does not decide
        expect((await decide(ownOrder.body.id, "ignore", {}, scopedViewer)).status).toBe(403);
        const approved = await decide(ownOrder.body.id, "approve", {}, scopedOperator);
        expect(approved.status, JSON.stringify(approved.body)).toBe(200);
        expect(approved.body.status).toBe("completed");
      });
    });

    describe("lifecycle", () => {
      /** An order in each status, each reached through the API and the tracker, never written by hand. */
      async function orderIn(status: (typeof ORDER_STATUSES)[number]): Promise<OrderBody> {
        if (
          status === "pending" ||
          status === "cancelled" ||
          status === "ignored" ||
          status === "completed"
        ) {
          const [m] = await free();
          const order = (await entry([m!.id])).body;
          if (status === "pending") return order;
          const verb = { cancelled: "cancel", ignored: "ignore", completed: "approve" }[status];
          return (await decide(order.id, verb)).body;
        }
        if (status === "failed") {
          const [m] = await free();
          const order = (await entry([m!.id])).body;
          // the machine is taken out of service before the order is approved: it no longer fits
          const out = await api.json("POST", `/v1/machines/${m!.id}/maintenance`, {
            token: world.operator,
            body: { reason: "broken fan" },
          });
          expect(out.status).toBe(200);
          return (await decide(order.id, "approve")).body;
        }
        if (status === "processing") {
          const [m] = await inPool(1, "ready");
          return (await decide((await exit([m!.id])).body.id, "approve")).body;
        }
        const [m] = await free();
        const order = (await create({ action: "maintenance", machineIds: [m!.id] })).body;
        return (await decide(order.id, "approve")).body;
      }

      it.each(ORDER_STATUSES)(
        "from %s only pending may be approved, ignored or cancelled",
        async (status) => {
          for (const verb of ["approve", "ignore", "cancel"]) {
            const order = await orderIn(status);
            expect(order.status).toBe(status);
            const res = await decide(order.id, verb);
            if (status === "pending") {
              expect(res.status, JSON.stringify(res.body)).toBe(200);
              expect(res.body.executedBy).toMatch(/^token:/);
            } else {
              expect(res.status, `${verb} from ${status}`).toBe(409);
              expect(res.body.error!.code).toBe("illegal_transition");
              expect((await get(order.id)).body.status).toBe(status);
            }
          }
        },
      );

      it("refuses a decision made on a stale version", async () => {
        const [m] = await free();
        const order = (await entry([m!.id])).body;
        const res = await decide(order.id, "approve", { expectedVersion: order.version + 1 });
        expect(res.status).toBe(409);
        expect(res.body.error!.code).toBe("stale_version");
        expect((await get(order.id)).body.status).toBe("pending");
      });

      it("of a concurrent approve and ignore, exactly one wins", async () => {
        for (let round = 0; round < 4; round++) {
          const [m] = await free();
          const order = (await entry([m!.id])).body;
          const verbs = round % 2 === 0 ? ["approve", "ignore"] : ["ignore", "approve"];
          const results = await Promise.all(verbs.map((verb) => decide(order.id, verb)));
          expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
          const winner = verbs[results.findIndex((r) => r.status === 200)];
          const after = (await get(order.id)).body;
          expect(after.status).toBe(winner === "approve" ? "completed" : "ignored");
          const machine = await machineRow(api, m!.id);
          expect(machine.poolId).toBe(winner === "approve" ? world.poolId : null);
        }
      });
    });

    describe("execution", () => {
      it("an approved entry order assigns its machines to the pool and completes", async () => {
        const [a, b] = await free(2);
        const order = (await entry([a!.id, b!.id])).body;
        const before = await stateVersion(api, world.clusterId);
        const res = await decide(order.id, "approve", { reason: "go" });
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        expect(res.body).toMatchObject({
          status: "completed",
          failureReason: null,
          executedBy: expect.any(String),
        });
        expect(res.body.devices.map((d) => d.status)).toEqual(["done", "done"]);
        for (const m of [a!, b!]) {
          expect(await machineRow(api, m.id)).toMatchObject({
            status: "available",
            clusterId: world.clusterId,
            poolId: world.poolId,
          });
        }
        expect(await stateVersion(api, world.clusterId)).toBeGreaterThan(before);
        const state = await api.json("GET", "/v1/agent/state", { token: world.credential });
        expect(state.body.machines.map((m: { id: string }) => m.id)).toEqual(
          expect.arrayContaining([a!.id, b!.id]),
        );
        expect(await outboxOf(api, order.id)).toEqual(["order.completed", "order.created"]);
        const audit = await db()
          .select()
          .from(auditLogs)
          .where(and(eq(auditLogs.resourceId, order.id), eq(auditLogs.action, "order.approve")));
        expect(audit).toHaveLength(1);
        expect(audit[0]!.changes.devices).toHaveLength(2);
      });

      it("fails an entry order naming the machine that no longer fits, assigning the rest", async () => {
        const tag = randomUUID();
        const picky = await seedPool(db(), world.clusterId, {
          hardwareRequirements: { machineLabels: { tag } },
        });
        const [fits, changes] = await free(2, { labels: { tag } });
        const order = (
          await create({
            action: "pool_entry",
            clusterId: world.clusterId,
            poolId: picky.id,
            machineIds: [fits!.id, changes!.id],
          })
        ).body;
        const relabel = await api.json("PATCH", `/v1/machines/${changes!.id}`, {
          token: world.operator,
          body: { labels: { tag: "other" } },
        });
        expect(relabel.status, JSON.stringify(relabel.body)).toBe(200);
        const res = await decide(order.id, "approve");
        expect(res.body.status).toBe("failed");
        expect(res.body.failureReason).toContain(changes!.hostname);
        expect(res.body.failureReason).not.toContain(fits!.hostname);
        expect((await machineRow(api, fits!.id)).poolId).toBe(picky.id);
        expect((await machineRow(api, changes!.id)).poolId).toBeNull();
        expect(await outboxOf(api, order.id)).toEqual(["order.created", "order.failed"]);
      });

      it("an exit order unassigns available machines at once, drains ready ones, and the tracker finishes it", async () => {
        const [idle] = await inPool(1, "available");
        const [busy] = await inPool(1, "ready");
        const order = (await exit([idle!.id, busy!.id])).body;
        const before = await stateVersion(api, world.clusterId);
        const approved = await decide(order.id, "approve");
        expect(approved.body.status).toBe("processing");
        const device = (id: string, o: OrderBody) => o.devices.find((d) => d.machineId === id)!.status;
        expect(device(idle!.id, approved.body)).toBe("done");
        expect(device(busy!.id, approved.body)).toBe("in_progress");
        expect(await machineRow(api, idle!.id)).toMatchObject({
          status: "available",
          clusterId: null,
          poolId: null,
        });
        expect(await machineRow(api, busy!.id)).toMatchObject({ status: "draining", drainIntent: null });
        expect(await stateVersion(api, world.clusterId)).toBeGreaterThan(before);

        // still draining: the tracker has nothing to do
        await track(api);
        expect((await get(order.id)).body.status).toBe("processing");

        // the agent drains and resets it; it comes back available in the pool (an operator put it there)
        await agentReports(api, world.credential, [
          { machineId: busy!.id, from: "draining", to: "leaving", reason: "drained" },
          { machineId: busy!.id, from: "leaving", to: "available", reason: "reset done" },
        ]);
        expect(await machineRow(api, busy!.id)).toMatchObject({ status: "available", poolId: world.poolId });
        await track(api);
        const done = (await get(order.id)).body;
        expect(done).toMatchObject({ status: "completed", failureReason: null });
        expect(done.devices.map((d) => d.status)).toEqual(["done", "done"]);
        expect(await machineRow(api, busy!.id)).toMatchObject({
          status: "available",
          clusterId: null,
          poolId: null,
          originClusterId: world.clusterId,
        });
        expect(await outboxOf(api, order.id)).toEqual(["order.completed", "order.created"]);
        // idempotent: another run changes nothing
        const again = await track(api);
        expect(again.advanced).toBe(0);
        expect((await get(order.id)).body.version).toBe(done.version);
      });

      it("an exit device whose machine faults while draining fails the order, naming it", async () => {
        const [m] = await inPool(1, "ready");
        const order = (await exit([m!.id])).body;
        await decide(order.id, "approve");
        await agentReports(api, world.credential, [
          {
            machineId: m!.id,
            from: "draining",
            to: "fault",
            reason: "drain timed out",
            lastError: "evictions blocked",
          },
        ]);
        await track(api);
        const failed = (await get(order.id)).body;
        expect(failed.status).toBe("failed");
        expect(failed.devices[0]).toMatchObject({
          status: "failed",
          error: expect.stringContaining("evictions blocked"),
        });
        expect(failed.failureReason).toContain(m!.hostname);
        expect(await outboxOf(api, order.id)).toEqual(["order.created", "order.failed"]);
      });
    });

    it("a refused creation writes no order, and its audit row says it failed", async () => {
      const [m] = await free(1, { status: "archived" });
      const count = async () => (await db().select({ id: orders.id }).from(orders)).length;
      const before = await count();
      const res = await create({ action: "maintenance", machineIds: [m!.id] });
      expect(res.status).toBe(409);
      expect(res.body.error!.message).toContain(m!.hostname);
      expect(await count()).toBe(before);
      const [row] = await db()
        .select()
        .from(auditLogs)
        .where(eq(auditLogs.requestId, res.body.error!.requestId));
      expect(row).toMatchObject({
        action: "order.create",
        result: "failure",
        resourceType: "order",
        statusCode: 409,
      });
    });

    it("names machines by hostname; maintenance of a free machine is an order without a cluster", async () => {
      const m = await seedMachine(db());
      const res = await create({ action: "maintenance", machineIds: [m.hostname] });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ clusterId: null, poolId: null });
      expect(res.body.devices.map((d) => d.machineId)).toEqual([m.id]);
    });
  });
});
