/**
 * /v1/maintenance-requests on Postgres and PGlite: a request makes a pending
 * maintenance order, idempotent by ticket (same ticket and machine → 200 the
 * same order; another machine → 409); the flow end to end on the control
 * plane: approval drains a ready machine with the maintenance intent, the
 * agent reports draining → maintenance through /v1/agent/transitions, the
 * tracker moves the order to maintenance_in_progress, completion completes
 * it and returns the machine to ready through an uncordon order (drain
 * intent cleared, Node kept); a free machine goes straight to maintenance
 * and back to available; a failed outcome leaves the machine in maintenance.
 */
import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLogs } from "../../../../../../drizzle/schema/index.ts";
import { startTestApi, TEST_API_DRIVERS, type TestApi } from "../../../../../support/api.ts";
import { seedMachine, seedMachines } from "../../../../../support/fixtures.ts";
import {
  agentReports,
  machineRow,
  type OrderBody,
  type OrderWorld,
  orderWorld,
  outboxOf,
  subscribeToOrders,
  track,
} from "../../../../../support/orders/order-fixtures.ts";
import { requirePostgres } from "../../../../../support/postgres.ts";

const ok = await requirePostgres();

type Completion = {
  order: OrderBody;
  uncordonOrder: OrderBody | null;
  error?: { code: string; message: string };
};

describe.each(TEST_API_DRIVERS)("maintenance requests on %s", (driver) => {
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
    const ticket = () => `CHG-${randomUUID().slice(0, 8)}`;
    const request = (body: unknown, token = world.operator) =>
      api.json<OrderBody>("POST", "/v1/maintenance-requests", { token, body });
    const complete = (ticketId: string, body: unknown = {}, token = world.operator) =>
      api.json<Completion>("POST", `/v1/maintenance-requests/${ticketId}/complete`, { token, body });
    const approve = (id: string, token = world.operator) =>
      api.json<OrderBody>("POST", `/v1/orders/${id}/approve`, { token, body: {} });
    const get = (id: string) => api.json<OrderBody>("GET", `/v1/orders/${id}`, { token: world.viewer });
    const readyInPool = async () =>
      (
        await seedMachines(db(), 1, {
          clusterId: world.clusterId,
          poolId: world.poolId,
          status: "ready",
          nodeName: `node-${randomUUID().slice(0, 8)}`,
        })
      )[0]!;

    it("makes a pending maintenance order, idempotent by ticket", async () => {
      const m = await readyInPool();
      const ticketId = ticket();
      const body = {
        machineId: m.hostname,
        ticketId,
        reason: "replace DIMM B2",
        maintenanceWindow: { start: "2030-05-04T22:00:00Z", end: "2030-05-05T02:00:00Z" },
      };
      const first = await request(body);
      expect(first.status, JSON.stringify(first.body)).toBe(201);
      expect(first.body).toMatchObject({
        action: "maintenance",
        status: "pending",
        clusterId: world.clusterId,
        poolId: world.poolId,
        externalTicketId: ticketId,
        maintenanceWindow: { start: "2030-05-04T22:00:00.000Z", end: "2030-05-05T02:00:00.000Z" },
        devices: [{ machineId: m.id, hostname: m.hostname, status: "pending", error: null }],
      });
      const again = await request({ ...body, machineId: m.id });
      expect(again.status).toBe(200);
      expect(again.body).toEqual(first.body);
      const other = await readyInPool();
      const clash = await request({ ...body, machineId: other.id });
      expect(clash.status).toBe(409);
      expect(clash.body.error!.message).toContain(first.body.number);
      // the machine is spoken for: another ticket for it is a 409 naming it
      const second = await request({ machineId: m.id, ticketId: ticket() });
      expect(second.status).toBe(409);
      expect(second.body.error!.message).toContain(m.hostname);
      expect(await outboxOf(api, first.body.id)).toEqual(["order.created"]);
      const audit = await db().select().from(auditLogs).where(eq(auditLogs.resourceId, first.body.id));
      expect(audit.map((r) => r.action)).toEqual(["maintenance_request.create"]);
    });

    it("answers concurrent requests for one ticket with one order", async () => {
      const m = await readyInPool();
      const ticketId = ticket();
      const results = await Promise.all([1, 2, 3].map(() => request({ machineId: m.id, ticketId })));
      expect(results.map((r) => r.status).sort()).toEqual([200, 200, 201]);
      expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    });

    it("answers 400 naming the field, 404 for an unknown machine or ticket", async () => {
      const m = await readyInPool();
      const cases: [unknown, string][] = [
        [{ machineId: m.id }, "ticketId"],
        [{ ticketId: ticket() }, "machineId"],
        [
          {
            machineId: m.id,
            ticketId: ticket(),
            maintenanceWindow: { start: "2030-05-05T00:00:00Z", end: "2030-05-04T00:00:00Z" },
          },
          "maintenanceWindow.end",
        ],
        [
          { machineId: m.id, ticketId: ticket(), maintenanceWindow: { start: "soon", end: "later" } },
          "start",
        ],
      ];
      for (const [body, field] of cases) {
        const res = await request(body);
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(JSON.stringify(res.body.error)).toContain(field);
      }
      expect((await request({ machineId: "no-such-host", ticketId: ticket() })).status).toBe(404);
      expect((await complete(ticket())).status).toBe(404);
      expect((await complete(ticket(), { outcome: "maybe" })).status).toBe(400);
    });

    it("drains a ready machine for maintenance and brings it back through an uncordon order", async () => {
      const m = await readyInPool();
      const ticketId = ticket();
      const order = (await request({ machineId: m.id, ticketId })).body;
      // not approved yet: it cannot be completed
      const early = await complete(ticketId);
      expect(early.status).toBe(409);
      expect(early.body.error!.code).toBe("illegal_transition");

      const approved = await approve(order.id);
      expect(approved.body).toMatchObject({ status: "processing", devices: [{ status: "in_progress" }] });
      expect(await machineRow(api, m.id)).toMatchObject({ status: "draining", drainIntent: "maintenance" });
      await track(api);
      expect((await get(order.id)).body.status).toBe("processing");

      // the agent cordons, drains and reports the machine in maintenance, keeping its Node
      await agentReports(api, world.credential, [
        { machineId: m.id, from: "draining", to: "maintenance", reason: "drained for maintenance" },
      ]);
      expect(await machineRow(api, m.id)).toMatchObject({ status: "maintenance", nodeName: m.nodeName });
      await track(api);
      const waiting = (await get(order.id)).body;
      expect(waiting).toMatchObject({ status: "maintenance_in_progress", devices: [{ status: "done" }] });

      const done = await complete(ticketId, { note: "DIMM replaced" });
      expect(done.status, JSON.stringify(done.body)).toBe(200);
      expect(done.body.order).toMatchObject({ id: order.id, status: "completed" });
      expect(done.body.uncordonOrder).toMatchObject({
        action: "uncordon",
        status: "completed",
        createdBy: "system",
        executedBy: "system",
        parentOrderId: order.id,
        clusterId: world.clusterId,
        devices: [{ machineId: m.id, status: "done" }],
      });
      expect(await machineRow(api, m.id)).toMatchObject({
        status: "ready",
        drainIntent: null,
        nodeName: m.nodeName,
        poolId: world.poolId,
      });
      const state = await api.json("GET", "/v1/agent/state", { token: world.credential });
      expect(state.body.machines.find((x: { id: string }) => x.id === m.id)).toMatchObject({
        status: "ready",
      });

      // a repeated report (hooks retry) answers the same, changing nothing
      const repeat = await complete(ticketId, { note: "DIMM replaced" });
      expect(repeat.status).toBe(200);
      expect(repeat.body).toEqual(done.body);
      const contrary = await complete(ticketId, { outcome: "failed" });
      expect(contrary.status).toBe(409);

      expect(await outboxOf(api, order.id)).toEqual(["order.completed", "order.created"]);
      expect(await outboxOf(api, done.body.uncordonOrder!.id)).toEqual(["order.completed", "order.created"]);
      const audit = await db().select().from(auditLogs).where(eq(auditLogs.resourceId, order.id));
      expect(audit.map((r) => r.action).sort()).toEqual(
        [
          "maintenance_request.complete",
          "maintenance_request.create",
          "order.approve",
          "order.progress",
        ].sort(),
      );
    });

    it("takes a free machine straight to maintenance and back to available", async () => {
      const m = await seedMachine(db());
      const ticketId = ticket();
      const order = (await request({ machineId: m.id, ticketId })).body;
      expect(order.clusterId).toBeNull();
      const approved = await approve(order.id);
      expect(approved.body.status).toBe("maintenance_in_progress");
      expect((await machineRow(api, m.id)).status).toBe("maintenance");
      const done = await complete(ticketId);
      expect(done.body.order.status).toBe("completed");
      expect(done.body.uncordonOrder).toBeNull();
      expect(await machineRow(api, m.id)).toMatchObject({ status: "available", clusterId: null });
    });

    it("a failed outcome fails the order and leaves the machine in maintenance", async () => {
      const m = await seedMachine(db());
      const ticketId = ticket();
      const order = (await request({ machineId: m.id, ticketId })).body;
      await approve(order.id);
      const res = await complete(ticketId, { outcome: "failed", note: "board dead" });
      expect(res.body.order).toMatchObject({ status: "failed", failureReason: "board dead" });
      expect((await machineRow(api, m.id)).status).toBe("maintenance");
      expect(await outboxOf(api, order.id)).toEqual(["order.created", "order.failed"]);
    });

    it("a draining machine that faults fails the maintenance order", async () => {
      const m = await readyInPool();
      const order = (await request({ machineId: m.id, ticketId: ticket() })).body;
      await approve(order.id);
      await agentReports(api, world.credential, [{ machineId: m.id, from: "draining", to: "fault" }]);
      await track(api);
      const failed = (await get(order.id)).body;
      expect(failed).toMatchObject({ status: "failed", devices: [{ status: "failed" }] });
      expect(failed.failureReason).toContain(m.hostname);
    });

    it("a cluster-scoped operator asks only for its cluster's machines", async () => {
      const scoped = await api.tokenFor("operator", world.clusterId);
      const own = await readyInPool();
      const made = await request({ machineId: own.hostname, ticketId: ticket() }, scoped);
      expect(made.status, JSON.stringify(made.body)).toBe(201);
      const freeOne = await seedMachine(db());
      expect((await request({ machineId: freeOne.id, ticketId: ticket() }, scoped)).status).toBe(404);
      expect((await request({ machineId: freeOne.hostname, ticketId: ticket() }, scoped)).status).toBe(404);
      const viewer = await api.tokenFor("viewer");
      expect((await request({ machineId: own.id, ticketId: ticket() }, viewer)).status).toBe(403);
    });
  });
});
