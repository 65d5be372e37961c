/**
 * The track-orders job through the real runner, on Postgres and PGlite: with
 * nothing open it does nothing; it follows an approved exit order while the
 * agent (through /v1/agent/transitions) drains and resets its machine,
 * unassigns the machine once it is available in the pool, completes the
 * order with its notification and audit row, and a second run changes
 * nothing; it leaves orders that are not processing alone.
 */
import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLogs, orders } from "../../../../drizzle/schema/index.ts";
import { JobRegistry } from "../../../../functions/jobs/registry.ts";
import { runJob } from "../../../../functions/jobs/runner.ts";
import { TRACK_ORDERS_JOB, trackOrdersJob } from "../../../../functions/jobs/track-orders.ts";
import { InProcessQueue } from "../../../../functions/queue/in-process.ts";
import { startTestApi, TEST_API_DRIVERS, type TestApi } from "../../../support/api.ts";
import { seedMachines } from "../../../support/fixtures.ts";
import {
  agentReports,
  machineRow,
  type OrderBody,
  type OrderWorld,
  orderWorld,
  outboxOf,
  subscribeToOrders,
} from "../../../support/orders/order-fixtures.ts";
import { requirePostgres } from "../../../support/postgres.ts";
import { consumeEach } from "../../../support/queue-consumers.ts";

const ok = await requirePostgres();

describe.each(TEST_API_DRIVERS)("track-orders job on %s", (driver) => {
  describe.skipIf(driver !== "pglite" && !ok)(driver, () => {
    let api: TestApi;
    let world: OrderWorld;
    let runTracker: () => ReturnType<typeof runJob>;
    beforeAll(async () => {
      api = await startTestApi({ driver });
      world = await orderWorld(api);
      await subscribeToOrders(api);
      const queue = new InProcessQueue({
        clock: api.deps.clock,
        logger: api.deps.logger,
        consumeBatch: consumeEach(async () => ({ action: "ack" as const })),
      });
      const deps = { app: api.deps, registry: new JobRegistry([trackOrdersJob]), queue };
      runTracker = () => runJob(deps, trackOrdersJob, "test");
    });
    afterAll(() => api?.close());

    const progressRows = async (orderId: string) =>
      (await api.database.db.select().from(auditLogs).where(eq(auditLogs.resourceId, orderId))).filter(
        (r) => r.action === "order.progress",
      );

    it("is named track-orders and runs with nothing open", async () => {
      expect(trackOrdersJob.name).toBe(TRACK_ORDERS_JOB);
      expect(TRACK_ORDERS_JOB).toBe("track-orders");
      expect((await runTracker()).outcome).toBe("ok");
    });

    it("follows an exit order to completion, once", async () => {
      const [m] = await seedMachines(api.database.db, 1, {
        clusterId: world.clusterId,
        poolId: world.poolId,
        status: "ready",
        nodeName: `node-${randomUUID().slice(0, 8)}`,
      });
      const created = await api.json<OrderBody>("POST", "/v1/orders", {
        token: world.operator,
        body: { action: "pool_exit", clusterId: world.clusterId, poolId: world.poolId, machineIds: [m!.id] },
      });
      const approved = await api.json<OrderBody>("POST", `/v1/orders/${created.body.id}/approve`, {
        token: world.operator,
        body: {},
      });
      expect(approved.body.status).toBe("processing");

      expect((await runTracker()).outcome).toBe("ok");
      expect(await progressRows(created.body.id)).toHaveLength(0);

      await agentReports(api, world.credential, [{ machineId: m!.id, from: "draining", to: "leaving" }]);
      expect((await runTracker()).outcome).toBe("ok");
      expect(await progressRows(created.body.id)).toHaveLength(0);

      await agentReports(api, world.credential, [{ machineId: m!.id, from: "leaving", to: "available" }]);
      expect((await runTracker()).outcome).toBe("ok");
      const [order] = await api.database.db.select().from(orders).where(eq(orders.id, created.body.id));
      expect(order).toMatchObject({
        status: "completed",
        failureReason: null,
        completedAt: expect.any(Date),
      });
      expect(await machineRow(api, m!.id)).toMatchObject({
        status: "available",
        clusterId: null,
        poolId: null,
      });
      expect(await outboxOf(api, created.body.id)).toEqual(["order.completed", "order.created"]);
      const rows = await progressRows(created.body.id);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ actor: "system", result: "success", clusterId: world.clusterId });

      expect((await runTracker()).outcome).toBe("ok");
      expect(await progressRows(created.body.id)).toHaveLength(1);
      const [after] = await api.database.db.select().from(orders).where(eq(orders.id, created.body.id));
      expect(after!.version).toBe(order!.version);
    });

    it("leaves pending and maintenance_in_progress orders alone", async () => {
      const [m] = await seedMachines(api.database.db, 1, {
        clusterId: world.clusterId,
        poolId: world.poolId,
        status: "ready",
        nodeName: `node-${randomUUID().slice(0, 8)}`,
      });
      const pending = await api.json<OrderBody>("POST", "/v1/orders", {
        token: world.operator,
        body: { action: "pool_exit", clusterId: world.clusterId, poolId: world.poolId, machineIds: [m!.id] },
      });
      expect((await runTracker()).outcome).toBe("ok");
      const [row] = await api.database.db.select().from(orders).where(eq(orders.id, pending.body.id));
      expect(row).toMatchObject({ status: "pending", version: 0 });
      expect((await machineRow(api, m!.id)).status).toBe("ready");
    });
  });
});
