/**
 * Issue 14 inside workerd (the BUNDLED Worker via Miniflare, on Postgres
 * through the Neon proxy and Upstash through the bridge), with QStash
 * configured (the local stand-in):
 *  - end to end: the cron's fan-out sends `strategy.evaluate` to JOBS_QUEUE,
 *    Miniflare's consumer hands it to the Worker's `queue()`, which writes the
 *    order, its devices, the history row and the outbox row; the next cron's
 *    dispatcher publishes `order.created` to QStash, which delivers it signed
 *    to a receiver verifying with @upstash/qstash's Receiver, retrying the
 *    receiver's failures; a redelivered message adds nothing;
 *  - the signed inbound maintenance hook is verified with WebCrypto inside the
 *    isolate before anything is parsed, and a good signature completes the
 *    ticket, writing the `order.completed` notification to the outbox in the
 *    same transaction.
 */
import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openNodePostgres } from "../../drizzle/drivers/node-postgres.ts";
import {
  apiTokens,
  machines,
  notifications,
  orderDevices,
  orders,
  resourceSnapshots,
  strategyEvaluations,
  subscriptions,
} from "../../drizzle/schema/index.ts";
import { generateToken, hashToken, tokenDisplayPrefix } from "../../functions/lib/tokens.ts";
import { signDelivery } from "../../functions/lib/webhooks/signature.ts";
import { type NeonProxy, startNeonProxy } from "../support/neon-proxy.ts";
import { createTestDatabase, requirePostgres, type TestDatabase } from "../support/postgres.ts";
import { type QStashStandin, startQStashStandin } from "../support/qstash-standin.ts";
import { redisAvailable, startUpstashBridge, type UpstashBridge } from "../support/upstash-bridge.ts";
import { startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver.ts";
import { QUEUE_NAME, startWorker, type WorkerHarness } from "../support/worker-harness.ts";

const BASE = "http://ksp.test";
const HOOK = "/v1/hooks/maintenance-complete";
const DAY = 86_400_000;
const GIB = 2 ** 30;
/** Miniflare hands the queue's messages to `queue()` this long after the first one arrives. */
const QUEUE_BATCH_TIMEOUT_SECONDS = 2;
const servicesOk = (await redisAvailable()) && (await requirePostgres());

describe.skipIf(!servicesOk)("elastic scaling in workerd", () => {
  let database: TestDatabase;
  let proxy: NeonProxy;
  let bridge: UpstashBridge;
  let qstash: QStashStandin;
  let receiver: WebhookReceiver;
  let harness: WorkerHarness;
  let db: Awaited<ReturnType<typeof openNodePostgres>>;
  let admin: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    proxy = await startNeonProxy();
    bridge = await startUpstashBridge();
    qstash = await startQStashStandin({ retryBaseMs: 100 });
    receiver = await startWebhookReceiver(qstash);
    harness = await startWorker(
      {
        DATABASE_URL: database.url,
        NEON_WS_PROXY: `127.0.0.1:${proxy.port}/v1`,
        UPSTASH_REDIS_REST_URL: bridge.url,
        UPSTASH_REDIS_REST_TOKEN: bridge.token,
        KSP_COORDINATION_PREFIX: `kspes${process.pid}:`,
        QSTASH_TOKEN: qstash.token,
        QSTASH_URL: qstash.url,
        QSTASH_CURRENT_SIGNING_KEY: qstash.currentSigningKey,
        QSTASH_NEXT_SIGNING_KEY: qstash.nextSigningKey,
        // the daily fan-out is due from midnight UTC, so whenever the test runs
        KSP_STRATEGY_EVALUATION_HOUR: "0",
      },
      { queueConsumer: { maxBatchTimeoutSeconds: QUEUE_BATCH_TIMEOUT_SECONDS } },
    );
    db = await openNodePostgres(database.url);
    admin = generateToken("api");
    await db.db.insert(apiTokens).values({
      name: "workers-admin",
      tokenHash: await hashToken(admin),
      displayPrefix: tokenDisplayPrefix(admin),
      role: "admin",
    });
  });
  afterAll(async () => {
    await db?.close();
    await harness?.dispose();
    await qstash?.close();
    await receiver?.close();
    await proxy?.close();
    await bridge?.close();
    await database?.drop();
  });

  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await harness.mf.dispatchFetch(`${BASE}${path}`, {
      method,
      headers: { "content-type": "application/json", ...headers },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };

  it("cron fan-out → queue → an order in Postgres → order.created signed through QStash, retried until delivered; a redelivery adds nothing", async () => {
    const auth = { authorization: `Bearer ${admin}` };
    const ok = async (method: string, path: string, body?: unknown, status = 201) => {
      const res = await call(method, path, body, auth);
      expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBe(status);
      return res.body;
    };
    const { cluster } = await ok("POST", "/v1/clusters", { name: "elastic" });
    const pool = await ok("POST", `/v1/clusters/${cluster.id}/pools`, {
      name: "batch",
      poolType: "general",
      maxSize: 10,
    });
    // Five free gold machines while the order needs two: an evaluation that ran twice would find more.
    for (let i = 1; i <= 5; i++) {
      await ok("POST", "/v1/machines", {
        hostname: `gold-${i}`,
        ip: `192.0.2.${40 + i}`,
        cpuCores: 4,
        memoryBytes: 16 * GIB,
        labels: { tier: "gold" },
      });
    }
    await ok("POST", "/v1/machines", {
      hostname: "silver-1",
      ip: "192.0.2.50",
      cpuCores: 4,
      memoryBytes: 16 * GIB,
      labels: { tier: "silver" },
    });
    const template = await ok("POST", "/v1/query-templates", {
      name: "gold",
      logic: "and",
      groups: [{ logic: "and", blocks: [{ type: "nodeLabel", key: "tier", operator: "eq", value: "gold" }] }],
    });
    const strategy = await ok("POST", "/v1/strategies", {
      name: "grow-batch",
      action: "pool_entry",
      cpu: { threshold: 80, target: 60 },
      durationDays: 3,
      maxDevices: 5,
      scope: { clusterIds: [cluster.id], poolIds: [pool.id] },
      entryTemplateId: template.id,
    });
    const hookPath = "/hooks/orders";
    await ok("POST", "/v1/subscriptions", {
      name: "capacity-team",
      eventTypes: ["order.created"],
      channel: "webhook",
      address: receiver.url(hookPath),
    });
    // the receiver is down for the first two attempts
    receiver.answer(hookPath, [500, 503]);

    // Input data, as the roll-up writes it: 14,000 of 16,000 CPU millis used (87.5 %, threshold 80 %)
    // on each of the three days before today's run.
    const runKey = new Date().toISOString().slice(0, 10);
    const runStart = Date.parse(`${runKey}T00:00:00Z`);
    await db.db.insert(resourceSnapshots).values(
      [3, 2, 1].map((daysBefore) => ({
        clusterId: cluster.id,
        poolId: pool.id,
        capturedAt: new Date(runStart - daysBefore * DAY),
        granularity: "daily" as const,
        nodeCount: 4,
        capacityCpuMillis: 16_000,
        allocatableCpuMillis: 16_000,
        usageCpuMillis: 14_000,
        requestedCpuMillis: 14_000,
        capacityMemoryBytes: 64 * GIB,
        allocatableMemoryBytes: 64 * GIB,
        usageMemoryBytes: 8 * GIB,
        requestedMemoryBytes: 8 * GIB,
      })),
    );

    const strategyOrders = () => db.db.select().from(orders).where(eq(orders.strategyId, strategy.id));
    const history = () =>
      db.db.select().from(strategyEvaluations).where(eq(strategyEvaluations.strategyId, strategy.id));
    const outbox = () =>
      db.db
        .select()
        .from(notifications)
        .where(
          and(
            eq(notifications.eventType, "order.created"),
            eq(notifications.address, receiver.url(hookPath)),
          ),
        );
    const logged = (msg: string) => harness.logs.filter((l) => l.msg === msg);
    const worker = await harness.handlers();

    // 1. The cron fans out: one strategy.evaluate per (strategy, pool), batched into the queue.
    expect((await worker.scheduled({ cron: "* * * * *" })).outcome).toBe("ok");
    await expect
      .poll(() => logged("strategy evaluations enqueued"))
      .toEqual([expect.objectContaining({ runKey, messages: 1 })]);

    // 2. Miniflare's consumer hands the message to queue(): order, devices, history and outbox rows.
    await expect.poll(strategyOrders, { timeout: 20_000 }).toHaveLength(1);
    const [row] = await strategyOrders();
    const order = await ok("GET", `/v1/orders/${row!.id}`, undefined, 200);
    expect(order).toMatchObject({
      clusterId: cluster.id,
      poolId: pool.id,
      strategyId: strategy.id,
      action: "pool_entry",
      status: "pending",
    });
    expect(order.devices.map((d: { hostname: string }) => d.hostname).sort()).toEqual(["gold-1", "gold-2"]);
    expect(await db.db.select().from(orderDevices).where(eq(orderDevices.orderId, order.id))).toHaveLength(2);
    expect(await history()).toEqual([
      expect.objectContaining({ clusterId: cluster.id, poolId: pool.id, runKey, result: "order_created" }),
    ]);
    const [notice] = await outbox();
    expect(notice).toMatchObject({ subjectId: order.id, status: "pending" });
    expect(qstash.deliveries).toEqual([]); // only the dispatcher sends, and it runs on the cron

    // 3. The next cron's dispatcher publishes to QStash; QStash retries the receiver until it answers 200.
    expect((await worker.scheduled({ cron: "* * * * *" })).outcome).toBe("ok");
    await expect.poll(async () => (await outbox())[0]?.status).toBe("sent");
    const attempts = await receiver.waitFor(3, 15_000);
    await qstash.waitForDeliveries(3, 15_000); // the stand-in records an attempt once it has its answer
    expect(attempts.map((a) => a.path)).toEqual([hookPath, hookPath, hookPath]);
    expect(
      qstash.deliveries.filter((d) => d.url === receiver.url(hookPath)).map((d) => [d.attempt, d.status]),
    ).toEqual([
      [1, 500],
      [2, 503],
      [3, 200],
    ]);
    for (const attempt of attempts) {
      expect(attempt.verified, attempt.verifyError).toBe(true);
      expect(attempt.headers["ksp-delivery-id"]).toBe(notice!.deliveryId);
      expect(attempt.headers["ksp-event-type"]).toBe("order.created");
      expect(JSON.parse(attempt.body)).toMatchObject({
        id: notice!.deliveryId,
        type: "order.created",
        subjectId: order.id,
        data: expect.any(Object),
      });
    }
    expect(qstash.deadLetters).toEqual([]);
    // the day's fan-out is done: the second cron sent nothing
    expect(logged("strategy evaluations enqueued")).toHaveLength(1);

    // 4. The same message again, through the queue as Cloudflare redelivers, and twice straight into
    // queue(): acknowledged, and not a second order, history row or notification.
    const redelivery = {
      type: "strategy.evaluate",
      strategyId: strategy.id,
      clusterId: cluster.id,
      poolId: pool.id,
      runKey,
    };
    const batchesBefore = logged("queue batch delivered").length;
    const producer = await harness.mf.getQueueProducer("JOBS_QUEUE");
    await producer.send(redelivery);
    await expect
      .poll(() => logged("queue batch delivered").slice(batchesBefore), { timeout: 20_000 })
      .toEqual([expect.objectContaining({ acked: 1, retried: 0, parked: 0 })]);
    const now = new Date();
    const direct = await worker.queue(QUEUE_NAME, [
      { id: "again-1", timestamp: now, body: redelivery, attempts: 2 },
      { id: "again-2", timestamp: now, body: redelivery, attempts: 3 },
    ]);
    expect(direct.explicitAcks.sort()).toEqual(["again-1", "again-2"]);
    expect(direct.retryMessages).toEqual([]);
    expect(await strategyOrders()).toHaveLength(1);
    expect(await history()).toHaveLength(1);
    expect(await outbox()).toHaveLength(1);
    expect(await db.db.select().from(orderDevices).where(eq(orderDevices.orderId, order.id))).toHaveLength(2);
    expect(receiver.received).toHaveLength(3);
  });

  it("verifies the maintenance hook's signature in the isolate, then completes the ticket and queues its notice", async () => {
    await db.db.insert(subscriptions).values({
      name: "ops",
      eventTypes: ["order.completed"],
      channel: "webhook",
      address: "https://hooks.example/ops",
    });
    const [machine] = await db.db
      .insert(machines)
      .values({ hostname: "wk-maint", ip: "192.0.2.31", cpuCores: 4, memoryBytes: 8 * 2 ** 30 })
      .returning();
    const ticketId = `CHG-${randomUUID().slice(0, 8)}`;
    const auth = { authorization: `Bearer ${admin}` };
    const requested = await call(
      "POST",
      "/v1/maintenance-requests",
      { machineId: machine!.id, ticketId },
      auth,
    );
    expect(requested.status, JSON.stringify(requested.body)).toBe(201);
    const approved = await call("POST", `/v1/orders/${requested.body.id}/approve`, {}, auth);
    expect(approved.body.status).toBe("maintenance_in_progress");

    const body = JSON.stringify({ ticketId, note: "DIMM replaced" });
    const unsigned = await call("POST", HOOK, body);
    expect(unsigned.status).toBe(401);
    const forged = await call("POST", HOOK, body, {
      "upstash-signature": await signDelivery({
        signingKey: "sig_not-the-key",
        url: `${BASE}${HOOK}`,
        body,
        nowMs: Date.now(),
      }),
    });
    expect(forged.status).toBe(401);
    const [untouched] = await db.db.select().from(orders).where(eq(orders.id, requested.body.id));
    expect(untouched!.status).toBe("maintenance_in_progress");

    const signed = await call("POST", HOOK, body, {
      "upstash-signature": await signDelivery({
        signingKey: qstash.currentSigningKey,
        url: `${BASE}${HOOK}`,
        body,
        nowMs: Date.now(),
      }),
    });
    expect(signed.status, JSON.stringify(signed.body)).toBe(200);
    expect(signed.body.order).toMatchObject({ id: requested.body.id, status: "completed" });
    const notices = await db.db
      .select()
      .from(notifications)
      .where(eq(notifications.subjectId, requested.body.id));
    expect(notices.map((n) => [n.eventType, n.status])).toContainEqual(["order.completed", "pending"]);
  });
});
