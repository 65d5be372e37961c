/**
 * The daily strategy run on real Postgres, through the real runner, consumer
 * and in-process queue: the fan-out once a day, and each `strategy.evaluate`
 * message turning a pool's daily snapshots into an order (with its devices,
 * history row, audit row and outbox rows), a cooldown, a no_stock or an error
 * row; redeliveries and failures never leave a second or a partial order.
 *
 * Strategies, templates and matching policies are made through their
 * services; snapshots (input data) are inserted as the roll-up writes them.
 */
import { and, eq, inArray, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resultRows } from "../../../../drizzle/drivers/rows.ts";
import {
  auditLogs,
  dutyRoster,
  type NewMachine,
  type NodePool,
  type NotificationEventType,
  notifications,
  orderDevices,
  orders,
  resourceSnapshots,
  strategyEvaluations,
} from "../../../../drizzle/schema/index.ts";
import { wireJobs } from "../../../../functions/composition/jobs.ts";
import {
  EVALUATE_STRATEGIES_JOB,
  evaluateStrategiesJob,
} from "../../../../functions/jobs/evaluate-strategies.ts";
import { JobRegistry } from "../../../../functions/jobs/registry.ts";
import { runJob } from "../../../../functions/jobs/runner.ts";
import { InProcessQueue } from "../../../../functions/queue/in-process.ts";
import type { JobMessage, JobQueue } from "../../../../functions/queue/types.ts";
import type { ServiceContext } from "../../../../functions/services/context.ts";
import type { QueryGroup } from "../../../../functions/services/device-query/template.ts";
import { createMatchingPolicy } from "../../../../functions/services/matching-policies/create-matching-policy.ts";
import { insertOrder, transitionOrder } from "../../../../functions/services/orders/order-write.ts";
import { createQueryTemplate } from "../../../../functions/services/query-templates/create-query-template.ts";
import { createStrategy } from "../../../../functions/services/strategies/create-strategy.ts";
import type { NewStrategyInput } from "../../../../functions/services/strategies/strategy-input.ts";
import { ManualClock } from "../../../../shared/clock.ts";
import { startTestApi, TEST_API_DRIVERS, type TestApi } from "../../../support/api.ts";
import { seedCluster, seedMachine, seedPool, testContext } from "../../../support/fixtures.ts";
import { requirePostgres } from "../../../support/postgres.ts";
import { consumeOne } from "../../../support/queue-consumers.ts";
import { recordUsage } from "../../../support/usage.ts";

const ok = await requirePostgres();

const DAY = 86_400_000;
const RUN_KEY = "2026-01-10";
/** the scheduled run fans out from 03:00 UTC; the clock starts before that */
const EVALUATION_HOUR = 3;
const GIB = 2 ** 30;

describe.each(TEST_API_DRIVERS)("evaluate-strategies on %s", (driver) => {
  describe.skipIf(driver !== "pglite" && !ok)(driver, () => {
    let api: TestApi;
    const clock = new ManualClock(Date.UTC(2026, 0, 10, 2, 30));
    let queue: InProcessQueue;
    const sent: JobMessage[] = [];
    let jobs: ReturnType<typeof wireJobs>;
    let ctx: ServiceContext;
    let names = 0;
    const db = () => api.database.db;

    beforeAll(async () => {
      if (driver === "node-postgres") recordUsage("service", "postgres");
      api = await startTestApi({ driver, clock, policy: { strategyEvaluationHourUtc: EVALUATION_HOUR } });
      let consumeBatch: ReturnType<typeof wireJobs>["consumeBatch"] | undefined;
      queue = new InProcessQueue({
        clock,
        logger: api.deps.logger,
        consumeBatch: (deliveries) => consumeBatch!(deliveries),
      });
      // the fan-out's messages are recorded on their way into the queue
      const recording: JobQueue = {
        send: async (body, options) => {
          sent.push(body);
          await queue.send(body, options);
        },
        sendBatch: async (bodies, options) => {
          sent.push(...bodies);
          await queue.sendBatch(bodies, options);
        },
      };
      jobs = wireJobs({
        app: api.deps,
        queue: recording,
        registry: new JobRegistry([evaluateStrategiesJob]),
      });
      consumeBatch = jobs.consumeBatch;
      ctx = testContext(db(), { clock, coordination: api.deps.coordination });
      // whoever is on duty hears about every event: one outbox row per event
      await db()
        .insert(dutyRoster)
        .values({
          person: "on-call",
          startsAt: new Date(clock.now().getTime() - 30 * DAY),
          endsAt: new Date(clock.now().getTime() + 30 * DAY),
          contacts: [{ channel: "webhook", address: "https://hooks.example.test/on-call" }],
        });
    });
    afterAll(() => api?.close());

    const template = async (groups: QueryGroup[]) =>
      (await createQueryTemplate({ ctx, input: { name: `template-${++names}`, logic: "and", groups } })).id;
    const label = (key: string, value: string): QueryGroup[] => [
      { logic: "and", blocks: [{ type: "nodeLabel", key, operator: "eq", value }] },
    ];

    const strategy = async (pool: NodePool, input: Partial<NewStrategyInput>) =>
      createStrategy({
        ctx,
        input: {
          name: `strategy-${++names}`,
          action: "pool_entry",
          cpu: { threshold: 80, target: 60 },
          durationDays: 3,
          maxDevices: 5,
          scope: { clusterIds: [pool.clusterId], poolIds: [pool.id] },
          ...input,
        },
      });

    /** Daily rows as the roll-up writes them, one per day ending the day before the run. */
    async function dailySnapshots(pool: NodePool, loads: { cpu: number; allocatable: number }[]) {
      const last = Date.parse(`${RUN_KEY}T00:00:00Z`) - DAY;
      await db()
        .insert(resourceSnapshots)
        .values(
          loads.map((load, i) => ({
            clusterId: pool.clusterId,
            poolId: pool.id,
            capturedAt: new Date(last - (loads.length - 1 - i) * DAY),
            granularity: "daily" as const,
            nodeCount: load.allocatable / 4000,
            capacityCpuMillis: load.allocatable,
            allocatableCpuMillis: load.allocatable,
            allocatableMemoryBytes: 64 * GIB,
            capacityMemoryBytes: 64 * GIB,
            usageCpuMillis: load.cpu,
            requestedCpuMillis: load.cpu,
            usageMemoryBytes: 8 * GIB,
            requestedMemoryBytes: 8 * GIB,
          })),
        );
    }

    /** Machines with distinct creation times, so "oldest first" has one answer. */
    let created = Date.UTC(2025, 0, 1);
    const machine = (values: Partial<NewMachine>) => {
      created += 1000;
      return seedMachine(db(), {
        cpuCores: 4,
        memoryBytes: 16 * GIB,
        createdAt: new Date(created),
        ...values,
      });
    };

    const message = (strategyId: string, pool: NodePool): JobMessage => ({
      type: "strategy.evaluate",
      strategyId,
      clusterId: pool.clusterId,
      poolId: pool.id,
      runKey: RUN_KEY,
    });
    const evaluationsOf = (strategyId: string) =>
      db().select().from(strategyEvaluations).where(eq(strategyEvaluations.strategyId, strategyId));
    const ordersOf = (poolId: string) => db().select().from(orders).where(eq(orders.poolId, poolId));
    const devicesOf = async (orderId: string) =>
      (await db().select().from(orderDevices).where(eq(orderDevices.orderId, orderId))).map(
        (d) => d.machineId,
      );
    const outbox = (eventType: NotificationEventType, subjectId: string) =>
      db()
        .select()
        .from(notifications)
        .where(and(eq(notifications.eventType, eventType), eq(notifications.subjectId, subjectId)));

    it("turns a pool hot for the duration into an entry order: devices, history, audit and outbox in one go; a redelivery adds nothing", async () => {
      const cluster = await seedCluster(db());
      const other = await seedCluster(db());
      const pool = await seedPool(db(), cluster.id, {
        poolType: "general",
        hardwareRequirements: { minCpuCores: 4 },
      });
      const gold = { labels: { tier: "gold" } };
      const first = await machine(gold);
      await machine({ labels: { tier: "silver" } }); // not the template's
      const held = await machine(gold); // in an open order already
      await machine({ ...gold, cpuCores: 2 }); // short of the pool's requirements
      await machine({ ...gold, clusterId: other.id, status: "ready" }); // not free
      const second = await machine(gold);
      await machine(gold); // the third is not needed
      await insertOrder(db(), {
        order: { action: "maintenance", createdBy: "test", reason: "holds a machine" },
        machineIds: [held.id],
        now: clock.now(),
      });
      // 14,000 m used of 16,000 m: 87.5 % for three days (80 % threshold)
      await dailySnapshots(pool, Array(3).fill({ cpu: 14_000, allocatable: 16_000 }));
      const s = await strategy(pool, { entryTemplateId: await template(label("tier", "gold")) });

      expect(await consumeOne(jobs.consumeBatch)(message(s.id, pool), 1)).toEqual({ action: "ack" });

      const [evaluation, ...more] = await evaluationsOf(s.id);
      expect(more).toHaveLength(0);
      // one 4-core machine: 14,000 / 20,000 = 70 % > 60 %; two: 14,000 / 24,000 = 58.33 %
      expect(evaluation).toMatchObject({
        result: "order_created",
        runKey: RUN_KEY,
        clusterId: cluster.id,
        poolId: pool.id,
        observed: expect.objectContaining({
          deviceCount: 2,
          candidates: 3,
          lastDay: "2026-01-09",
          metrics: [expect.objectContaining({ metric: "cpu", runDays: 3, latest: 87.5, triggered: true })],
          projected: { cpu: 58.33 },
        }),
      });
      expect(evaluation!.reason).toMatch(/adding 2 brings cpu 58.33% \(target 60%\)$/);

      const [order, ...otherOrders] = await ordersOf(pool.id);
      expect(otherOrders).toHaveLength(0);
      expect(order).toMatchObject({
        id: evaluation!.orderId,
        action: "pool_entry",
        status: "pending",
        clusterId: cluster.id,
        strategyId: s.id,
        createdBy: `strategy:${s.id}`,
        triggerValue: 87.5,
        threshold: 80,
        reason: evaluation!.reason,
      });
      expect((await devicesOf(order!.id)).sort()).toEqual([first.id, second.id].sort());
      const notices = await outbox("order.created", order!.id);
      expect(notices).toHaveLength(1);
      expect(notices[0]).toMatchObject({
        status: "pending",
        address: "https://hooks.example.test/on-call",
        payload: { order: expect.objectContaining({ id: order!.id, number: order!.number }) },
      });
      const audit = await db().select().from(auditLogs).where(eq(auditLogs.resourceId, order!.id));
      expect(audit).toMatchObject([
        { action: "order.create", actor: `strategy:${s.id}`, clusterId: cluster.id },
      ]);

      // a redelivery (the ack was lost): acknowledged, nothing written twice
      expect(await consumeOne(jobs.consumeBatch)(message(s.id, pool), 2)).toEqual({ action: "ack" });
      expect(await evaluationsOf(s.id)).toHaveLength(1);
      expect(await ordersOf(pool.id)).toHaveLength(1);
      expect(await devicesOf(order!.id)).toHaveLength(2);
      expect(await outbox("order.created", order!.id)).toHaveLength(1);
    });

    it("an exit strategy takes the pool's available machines first, then the newest ready ones, while utilisation stays at the target", async () => {
      const cluster = await seedCluster(db());
      const pool = await seedPool(db(), cluster.id, { poolType: "batch" });
      const inPool = { clusterId: cluster.id, poolId: pool.id, cpuCores: 8 };
      const ready = [];
      for (let i = 0; i < 4; i++) ready.push(await machine({ ...inPool, status: "ready" }));
      const available = await machine({ ...inPool, status: "available" });
      await machine({ ...inPool, status: "joining" }); // neither ready nor available
      await createMatchingPolicy({
        ctx,
        input: {
          poolType: "batch",
          action: "pool_exit",
          templateId: await template([
            { logic: "and", blocks: [{ type: "device", key: "cpuCores", operator: "gte", value: 8 }] },
          ]),
        },
      });
      // four 8-core Nodes, 4,000 m used: 12.5 % for two days (a busy day before them)
      await dailySnapshots(pool, [
        { cpu: 16_000, allocatable: 32_000 },
        { cpu: 4_000, allocatable: 32_000 },
        { cpu: 4_000, allocatable: 32_000 },
      ]);
      const s = await strategy(pool, {
        action: "pool_exit",
        cpu: { threshold: 30, target: 50 },
        durationDays: 2,
        maxDevices: 10,
      });

      expect(await consumeOne(jobs.consumeBatch)(message(s.id, pool), 1)).toEqual({ action: "ack" });

      // the available machine costs nothing; then 4,000 / 24,000, / 16,000, / 8,000 = 50 %; a fourth Node leaves none
      const [order] = await ordersOf(pool.id);
      expect(order).toMatchObject({
        action: "pool_exit",
        triggerValue: 12.5,
        threshold: 30,
        strategyId: s.id,
      });
      expect((await devicesOf(order!.id)).sort()).toEqual(
        [available.id, ready[3]!.id, ready[2]!.id, ready[1]!.id].sort(),
      );
      expect(await evaluationsOf(s.id)).toMatchObject([
        {
          result: "order_created",
          orderId: order!.id,
          observed: expect.objectContaining({
            deviceCount: 4,
            projected: { cpu: 50 },
            candidatesFrom: expect.stringContaining('the matching policy for pool type "batch"'),
          }),
        },
      ]);
    });

    async function hotPool(poolType: string | null = null) {
      const cluster = await seedCluster(db());
      const pool = await seedPool(db(), cluster.id, { poolType });
      await dailySnapshots(pool, Array(3).fill({ cpu: 15_000, allocatable: 16_000 }));
      return pool;
    }

    async function orderYesterday(pool: NodePool, to: "ignored" | "cancelled") {
      const { order } = await insertOrder(db(), {
        order: {
          clusterId: pool.clusterId,
          poolId: pool.id,
          action: "pool_entry",
          createdBy: "token:someone",
        },
        machineIds: [],
        now: new Date(clock.now().getTime() - DAY),
      });
      await transitionOrder(db(), { order, to, now: clock.now() });
    }

    it("holds a pool in cooldown after an order someone ignored", async () => {
      const pool = await hotPool();
      await orderYesterday(pool, "ignored");
      const s = await strategy(pool, {
        cooldownDays: 3,
        entryTemplateId: await template(label("tier", "gold")),
      });

      expect(await consumeOne(jobs.consumeBatch)(message(s.id, pool), 1)).toEqual({ action: "ack" });

      const [evaluation] = await evaluationsOf(s.id);
      expect(evaluation).toMatchObject({
        result: "cooldown",
        orderId: null,
        observed: expect.objectContaining({ latestOrderDay: "2026-01-09", cooldownDaysLeft: 2 }),
      });
      expect(evaluation!.reason).toMatch(
        /latest order for this pool was on 2026-01-09, within the 3 days cooldown/,
      );
      expect(await ordersOf(pool.id)).toHaveLength(1); // the ignored one
    });

    it("a cancelled order starts no cooldown; with nothing to order, a no_stock row and a stock.empty notice", async () => {
      const pool = await hotPool();
      await orderYesterday(pool, "cancelled");
      const s = await strategy(pool, {
        cooldownDays: 3,
        entryTemplateId: await template(label("tier", "platinum")),
      });

      expect(await consumeOne(jobs.consumeBatch)(message(s.id, pool), 1)).toEqual({ action: "ack" });

      const [evaluation] = await evaluationsOf(s.id);
      expect(evaluation).toMatchObject({
        result: "no_stock",
        orderId: null,
        observed: expect.objectContaining({ candidates: 0 }),
      });
      expect(evaluation!.reason).toMatch(/no free machine matches the entry template/);
      const notices = await outbox("stock.empty", `${s.id}:${pool.id}:${RUN_KEY}`);
      expect(notices).toHaveLength(1);
      expect(notices[0]!.payload).toMatchObject({
        strategyId: s.id,
        poolId: pool.id,
        runKey: RUN_KEY,
        reason: evaluation!.reason,
      });
      expect(await ordersOf(pool.id)).toHaveLength(1); // the cancelled one

      expect(await consumeOne(jobs.consumeBatch)(message(s.id, pool), 2)).toEqual({ action: "ack" });
      expect(await outbox("stock.empty", `${s.id}:${pool.id}:${RUN_KEY}`)).toHaveLength(1);
    });

    it("decides on a fresh read: an order made since the previous message starts the cooldown", async () => {
      const first = await hotPool();
      const second = await seedPool(db(), first.clusterId);
      await dailySnapshots(second, Array(3).fill({ cpu: 15_000, allocatable: 16_000 }));
      await machine({ labels: { tier: "copper" } });
      await machine({ labels: { tier: "copper" } });
      const s = await strategy(first, {
        scope: { clusterIds: [first.clusterId] },
        cooldownDays: 3,
        maxDevices: 1,
        entryTemplateId: await template(label("tier", "copper")),
      });

      expect(await consumeOne(jobs.consumeBatch)(message(s.id, first), 1)).toEqual({ action: "ack" });
      expect(await ordersOf(first.id)).toHaveLength(1);
      // meanwhile someone orders for the second pool and ignores it: it counts toward cooldown
      const { order } = await insertOrder(db(), {
        order: {
          clusterId: second.clusterId,
          poolId: second.id,
          action: "pool_entry",
          createdBy: "token:someone",
        },
        machineIds: [],
        now: clock.now(),
      });
      await transitionOrder(db(), { order, to: "ignored", now: clock.now() });

      expect(await consumeOne(jobs.consumeBatch)(message(s.id, second), 1)).toEqual({ action: "ack" });
      expect(await evaluationsOf(s.id)).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ poolId: first.id, result: "order_created" }),
          expect.objectContaining({ poolId: second.id, result: "cooldown", orderId: null }),
        ]),
      );
      expect(await ordersOf(second.id)).toEqual([
        expect.objectContaining({ id: order.id, status: "ignored" }),
      ]);
    });

    async function coldPool() {
      const cluster = await seedCluster(db());
      const pool = await seedPool(db(), cluster.id);
      await dailySnapshots(pool, Array(3).fill({ cpu: 1_000, allocatable: 16_000 }));
      return pool;
    }

    /** A delivery batch as the queue hands it over: every message at the same attempt. */
    const deliver = (bodies: JobMessage[], attempts = 1) =>
      jobs.consumeBatch(bodies.map((body) => ({ body, attempts })));

    it("a delivery batch: rows for all in one go, a triggering pool's order beside them; a redelivered batch creates nothing twice", async () => {
      const cold = await coldPool();
      const waiting = await hotPool();
      await orderYesterday(waiting, "ignored");
      const hot = await hotPool();
      const iron = await machine({ labels: { tier: "iron" } });
      const gone = await hotPool();
      const tin = await template(label("tier", "tin"));
      const coldStrategy = await strategy(cold, { entryTemplateId: tin });
      const waitingStrategy = await strategy(waiting, { cooldownDays: 3, entryTemplateId: tin });
      const hotStrategy = await strategy(hot, {
        maxDevices: 1,
        entryTemplateId: await template(label("tier", "iron")),
      });
      const disabled = await strategy(gone, { status: "disabled", entryTemplateId: tin });
      const batch = [
        message(coldStrategy.id, cold),
        message(waitingStrategy.id, waiting),
        message(hotStrategy.id, hot),
        message(disabled.id, gone),
      ];

      expect(await deliver(batch)).toEqual(Array(4).fill({ action: "ack" }));

      const results = async () =>
        (
          await db()
            .select()
            .from(strategyEvaluations)
            .where(
              inArray(strategyEvaluations.strategyId, [
                coldStrategy.id,
                waitingStrategy.id,
                hotStrategy.id,
                disabled.id,
              ]),
            )
        )
          .map((r) => `${r.poolId}:${r.result}`)
          .sort();
      const expected = [
        `${cold.id}:below_threshold`,
        `${waiting.id}:cooldown`,
        `${hot.id}:order_created`,
      ].sort();
      expect(await results()).toEqual(expected);
      const [order, ...more] = await ordersOf(hot.id);
      expect(more).toHaveLength(0);
      expect(await devicesOf(order!.id)).toEqual([iron.id]);
      expect(await outbox("order.created", order!.id)).toHaveLength(1);

      // the whole batch again (its acks were lost): acknowledged, nothing new
      expect(await deliver(batch, 2)).toEqual(Array(4).fill({ action: "ack" }));
      expect(await results()).toEqual(expected);
      expect(await ordersOf(hot.id)).toHaveLength(1);
      expect(await outbox("order.created", order!.id)).toHaveLength(1);
    });

    it("a failing bulk write retries its messages with no row written, while the batch's triggering pool still gets its order", async () => {
      const cold = await coldPool();
      const waiting = await hotPool();
      await orderYesterday(waiting, "ignored");
      const hot = await hotPool();
      const zinc = await machine({ labels: { tier: "zinc" } });
      const lead = await template(label("tier", "lead"));
      const coldStrategy = await strategy(cold, { entryTemplateId: lead });
      const waitingStrategy = await strategy(waiting, { cooldownDays: 3, entryTemplateId: lead });
      const hotStrategy = await strategy(hot, {
        maxDevices: 1,
        entryTemplateId: await template(label("tier", "zinc")),
      });
      const batch = [
        message(coldStrategy.id, cold),
        message(waitingStrategy.id, waiting),
        message(hotStrategy.id, hot),
      ];
      // only below_threshold rows fail: the cooldown row of the same insert must not be left behind
      await db().execute(sql`create function ksp_test_fail_rows() returns trigger language plpgsql as
      $$ begin raise exception 'history unavailable'; end $$`);
      await db().execute(
        sql`create trigger ksp_test_fail_rows before insert on strategy_evaluations
          for each row when (new.result = 'below_threshold') execute function ksp_test_fail_rows()`,
      );
      try {
        expect(await deliver(batch)).toEqual([
          { action: "retry", delaySeconds: 5, reason: expect.stringContaining("insert into") },
          { action: "retry", delaySeconds: 5, reason: expect.stringContaining("insert into") },
          { action: "ack" },
        ]);
        expect(await evaluationsOf(coldStrategy.id)).toHaveLength(0);
        expect(await evaluationsOf(waitingStrategy.id)).toHaveLength(0);
        const [order] = await ordersOf(hot.id);
        expect(await devicesOf(order!.id)).toEqual([zinc.id]);
        expect(await evaluationsOf(hotStrategy.id)).toMatchObject([{ result: "order_created" }]);
      } finally {
        await db().execute(sql`drop trigger ksp_test_fail_rows on strategy_evaluations`);
        await db().execute(sql`drop function ksp_test_fail_rows()`);
      }

      // the retry: the two rows, and still one order
      expect(await deliver(batch, 2)).toEqual(Array(3).fill({ action: "ack" }));
      expect(await evaluationsOf(coldStrategy.id)).toMatchObject([{ result: "below_threshold" }]);
      expect(await evaluationsOf(waitingStrategy.id)).toMatchObject([{ result: "cooldown" }]);
      expect(await ordersOf(hot.id)).toHaveLength(1);
    });

    it("no template and no matching policy: an error row that says so, and no order", async () => {
      const pool = await hotPool("gpu");
      const s = await strategy(pool, {});

      expect(await consumeOne(jobs.consumeBatch)(message(s.id, pool), 1)).toEqual({ action: "ack" });

      const [evaluation] = await evaluationsOf(s.id);
      expect(evaluation).toMatchObject({ result: "error", orderId: null });
      expect(evaluation!.reason).toMatch(
        /the strategy has no entry template and no enabled matching policy exists for pool type "gpu" and pool_entry$/,
      );
      expect(await ordersOf(pool.id)).toHaveLength(0);
    });

    it("a failure leaves nothing behind: retried, parked after the last attempt, and whole once it succeeds", async () => {
      const pool = await hotPool();
      const bronze = await machine({ labels: { tier: "bronze" } });
      const s = await strategy(pool, { entryTemplateId: await template(label("tier", "bronze")) });
      // the outbox insert, the last write of the evaluation's transaction, fails
      await db().execute(sql`create function ksp_test_fail() returns trigger language plpgsql as
      $$ begin raise exception 'outbox unavailable'; end $$`);
      await db().execute(
        sql`create trigger ksp_test_fail before insert on notifications for each statement execute function ksp_test_fail()`,
      );
      const nothingWritten = async () => {
        expect(await evaluationsOf(s.id)).toHaveLength(0);
        expect(await ordersOf(pool.id)).toHaveLength(0);
        expect(
          await db().select().from(orderDevices).where(eq(orderDevices.machineId, bronze.id)),
        ).toHaveLength(0);
      };
      try {
        expect(await consumeOne(jobs.consumeBatch)(message(s.id, pool), 1)).toMatchObject({
          action: "retry",
          reason: expect.stringContaining("insert into notifications"),
        });
        await nothingWritten();
        expect(await consumeOne(jobs.consumeBatch)(message(s.id, pool), 5)).toMatchObject({
          action: "park",
          reason: expect.stringMatching(/^gave up after 5 attempts: .*insert into notifications/s),
        });
        await nothingWritten();
      } finally {
        await db().execute(sql`drop trigger ksp_test_fail on notifications`);
        await db().execute(sql`drop function ksp_test_fail()`);
      }

      expect(await consumeOne(jobs.consumeBatch)(message(s.id, pool), 1)).toEqual({ action: "ack" });
      const [order, ...more] = await ordersOf(pool.id);
      expect(more).toHaveLength(0);
      expect(await devicesOf(order!.id)).toEqual([bronze.id]);
      expect(await evaluationsOf(s.id)).toMatchObject([{ result: "order_created", orderId: order!.id }]);
    });

    it("skips a disabled strategy's message without a row", async () => {
      const pool = await hotPool();
      const s = await strategy(pool, {
        status: "disabled",
        entryTemplateId: await template(label("tier", "gold")),
      });
      expect(await consumeOne(jobs.consumeBatch)(message(s.id, pool), 1)).toEqual({ action: "ack" });
      expect(await evaluationsOf(s.id)).toHaveLength(0);
    });

    it("fans out once a day, at or after the configured hour: one message per enabled strategy and pool in scope", async () => {
      const cluster = await seedCluster(db());
      const pools = [
        await seedPool(db(), cluster.id),
        await seedPool(db(), cluster.id),
        await seedPool(db(), cluster.id),
      ];
      const gone = await seedCluster(db());
      const gonePool = await seedPool(db(), gone.id);
      const wholeCluster = await strategy(pools[0]!, { scope: { clusterIds: [cluster.id] } });
      const onePool = await strategy(pools[0]!, {
        scope: { clusterIds: [cluster.id], poolIds: [pools[1]!.id] },
      });
      const everywhere = await strategy(pools[0]!, { scope: {} });
      const disabled = await strategy(pools[0]!, { scope: { clusterIds: [cluster.id] }, status: "disabled" });
      await db().execute(sql`update clusters set deleted_at = now() where id = ${gone.id}`);
      const tick = async () => {
        sent.length = 0;
        expect((await runJob(jobs.runner, evaluateStrategiesJob, "test")).outcome).toBe("ok");
        return [...sent];
      };
      const ours = (messages: JobMessage[], strategyId: string) =>
        messages
          .filter((m) => m.type === "strategy.evaluate" && m.strategyId === strategyId)
          .map((m) => (m.type === "strategy.evaluate" ? `${m.poolId}@${m.runKey}` : ""))
          .sort();

      expect(await tick()).toEqual([]); // 02:30, before the hour
      clock.advance(60 * 60_000); // 03:30
      const day = await tick();
      expect(ours(day, wholeCluster.id)).toEqual(pools.map((p) => `${p.id}@${RUN_KEY}`).sort());
      expect(ours(day, onePool.id)).toEqual([`${pools[1]!.id}@${RUN_KEY}`]);
      expect(ours(day, disabled.id)).toEqual([]);
      const everywherePools = ours(day, everywhere.id);
      expect(everywherePools).toEqual(expect.arrayContaining(pools.map((p) => `${p.id}@${RUN_KEY}`)));
      expect(everywherePools).not.toContain(`${gonePool.id}@${RUN_KEY}`);
      const [total] = resultRows<{ n: number }>(
        await db().execute(sql`select count(*)::int as n from node_pools`),
      );
      expect(everywherePools).toHaveLength(total!.n - 1); // every pool but the deleted cluster's

      clock.advance(5 * 60 * 60_000); // later the same day
      expect(await tick()).toEqual([]);

      // the day's messages through the queue: pools already evaluated today are skipped, the rest get a row
      expect(await queue.processDue()).toBe(day.length);
      expect(queue.parked).toHaveLength(0);
      const rows = await db()
        .select()
        .from(strategyEvaluations)
        .where(inArray(strategyEvaluations.strategyId, [wholeCluster.id, onePool.id]));
      expect(rows.map((r) => r.result)).toEqual(Array(4).fill("below_threshold"));
      expect(rows[0]!.reason).toMatch(
        /^cpu usage over 80% for 0 days in a row \(needs 3; last day no figures\)$/,
      );
      expect(await evaluationsOf(disabled.id)).toHaveLength(0);

      clock.advance(DAY); // the next day fans out again
      expect(ours(await tick(), onePool.id)).toEqual([`${pools[1]!.id}@2026-01-11`]);
      expect(EVALUATE_STRATEGIES_JOB).toBe(evaluateStrategiesJob.name);
    });
  });
});
