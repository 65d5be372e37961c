/**
 * The notification dispatcher on real Postgres (and PGlite), sending through
 * the in-process sender to a local receiver that verifies every request with
 * @upstash/qstash's Receiver, on a manual clock:
 *   - a machine's fault and a cluster going offline enqueue their
 *     notifications in the transaction of the change; the dispatcher delivers
 *     them signed, with the event JSON and Ksp-Delivery-Id, and settles the rows;
 *   - a failing receiver is retried with exponential backoff, then the row is
 *     `failed` with the last error after the maximum attempts;
 *   - two dispatchers at once never send a row twice;
 *   - email goes to the email webhook adapter, or fails the row plainly when
 *     there is none; nothing configured fails rows with a message that says so.
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  dutyRoster,
  type Notification,
  notifications,
  subscriptions,
} from "../../../../drizzle/schema/index.ts";
import { wireJobs } from "../../../../functions/composition/jobs.ts";
import { dispatchNotificationsJob } from "../../../../functions/jobs/dispatch-notifications.ts";
import { markClustersOffline } from "../../../../functions/jobs/mark-clusters-offline.ts";
import { JobRegistry } from "../../../../functions/jobs/registry.ts";
import { runJob } from "../../../../functions/jobs/runner.ts";
import { generateSigningKey } from "../../../../functions/lib/webhooks/signature.ts";
import {
  NO_WEBHOOK_TRANSPORT,
  type WebhookTransport,
  webhookTransport,
} from "../../../../functions/lib/webhooks/transport.ts";
import { InProcessQueue } from "../../../../functions/queue/in-process.ts";
import { transitionMachine } from "../../../../functions/services/machines/transition-machine.ts";
import { enqueueNotification } from "../../../../functions/services/notifications/enqueue-notification.ts";
import {
  DISPATCH_DEFAULTS,
  sendDueNotifications,
} from "../../../../functions/services/notifications/send-due-notifications.ts";
import { startTestApi, TEST_API_DRIVERS, type TestApi } from "../../../support/api.ts";
import { seedCluster, seedMachine, testContext } from "../../../support/fixtures.ts";
import { ManualTime } from "../../../support/manual-time.ts";
import { requirePostgres } from "../../../support/postgres.ts";
import { consumeEach } from "../../../support/queue-consumers.ts";
import { startWebhookReceiver, type WebhookReceiver } from "../../../support/webhook-receiver.ts";

const ok = await requirePostgres();

describe.each(TEST_API_DRIVERS)("dispatch-notifications on %s", (driver) => {
  describe.skipIf(driver !== "pglite" && !ok)(driver, () => {
    const key = generateSigningKey();
    const time = new ManualTime(Date.UTC(2026, 2, 1, 9, 0, 0));
    let api: TestApi;
    let receiver: WebhookReceiver;
    let emailAdapter: WebhookReceiver;
    let transport: WebhookTransport;
    const db = () => api.database.db;
    const ctx = () => testContext(db(), { clock: time });

    beforeAll(async () => {
      receiver = await startWebhookReceiver({ currentSigningKey: key, nextSigningKey: key });
      emailAdapter = await startWebhookReceiver({ currentSigningKey: key, nextSigningKey: key });
      transport = webhookTransport({
        qstash: undefined,
        signingKeys: { currentSigningKey: key, nextSigningKey: key },
        emailWebhookUrl: emailAdapter.url("/mail"),
      });
      api = await startTestApi({ driver, clock: time, webhooks: transport });
    });
    afterAll(async () => {
      await api?.close();
      await receiver?.close();
      await emailAdapter?.close();
    });
    beforeEach(async () => {
      // each test brings its own recipients and events
      await db().delete(notifications);
      await db().delete(subscriptions);
      await db().delete(dutyRoster);
      receiver.received.length = 0;
      emailAdapter.received.length = 0;
    });

    const subscribe = async (
      eventTypes: (typeof subscriptions.$inferInsert)["eventTypes"],
      channel: "webhook" | "email",
      address: string,
    ) => {
      const [row] = await db()
        .insert(subscriptions)
        .values({ name: `sub-${address}`, eventTypes, channel, address })
        .returning();
      return row!;
    };
    const rows = (): Promise<Notification[]> =>
      db().select().from(notifications).orderBy(notifications.createdAt);
    const dispatch = (options: Partial<Parameters<typeof sendDueNotifications>[0]["input"]> = {}) =>
      sendDueNotifications({ ctx: ctx(), input: { transport, ...options } });
    const enqueue = (subjectId: string) =>
      db().transaction((tx) =>
        enqueueNotification(
          tx,
          { eventType: "order.created", subjectId, data: { order: { number: subjectId } } },
          time.now(),
        ),
      );

    it("delivers a machine's fault as a signed event, once, and settles its row", async () => {
      const sub = await subscribe(["machine.fault"], "webhook", receiver.url("/hooks/fault"));
      const cluster = await seedCluster(db());
      const machine = await seedMachine(db(), { clusterId: cluster.id });
      await transitionMachine({
        ctx: ctx(),
        input: { machineId: machine.id, from: "available", to: "maintenance", reason: "x" },
      });
      await transitionMachine({
        ctx: ctx(),
        input: { machineId: machine.id, from: "maintenance", to: "available" },
      });
      expect(await rows()).toEqual([]); // only a move to fault notifies
      await transitionMachine({
        ctx: ctx(),
        input: { machineId: machine.id, from: "available", to: "fault", reason: "ECC errors" },
      });
      const [pending] = await rows();
      expect(pending).toMatchObject({
        status: "pending",
        attempts: 0,
        eventType: "machine.fault",
        subjectId: machine.id,
      });

      expect(await dispatch()).toEqual({ sent: 1, retrying: 0, failed: 0 });
      const [request] = receiver.received;
      expect(request).toMatchObject({ path: "/hooks/fault", verified: true });
      expect(request!.headers["ksp-delivery-id"]).toBe(pending!.deliveryId);
      expect(JSON.parse(request!.body)).toEqual({
        id: pending!.deliveryId,
        type: "machine.fault",
        subjectId: machine.id,
        createdAt: time.now().toISOString(),
        data: {
          machineId: machine.id,
          hostname: machine.hostname,
          clusterId: cluster.id,
          poolId: null,
          from: "available",
          reason: "ECC errors",
        },
      });
      const [sent] = await rows();
      expect(sent).toMatchObject({
        status: "sent",
        attempts: 1,
        lastError: null,
        nextAttemptAt: null,
        recipient: `subscription:${sub.id}`,
        transportMessageId: request!.headers["upstash-message-id"],
      });
      expect(sent!.sentAt).toEqual(time.now());

      expect(await dispatch()).toEqual({ sent: 0, retrying: 0, failed: 0 }); // nothing due: nothing sent again
      expect(receiver.received).toHaveLength(1);
    });

    it("tells the on-duty person and subscribers when clusters go offline, through the job", async () => {
      await subscribe(["cluster.offline", "order.created"], "webhook", receiver.url("/hooks/offline"));
      await db()
        .insert(dutyRoster)
        .values({
          person: "ada",
          startsAt: new Date(time.now().getTime() - 3_600_000),
          endsAt: new Date(time.now().getTime() + 3_600_000),
          contacts: [{ channel: "webhook", address: receiver.url("/hooks/ada") }],
        });
      const quiet = await seedCluster(db(), { lastHeartbeatAt: new Date(time.now().getTime() - 3_600_000) });
      expect(await markClustersOffline(ctx(), { offlineAfterMs: 60_000 })).toContain(quiet.id);
      const queued = (await rows()).filter((r) => r.subjectId === quiet.id);
      expect(queued.map((r) => r.recipient).sort()).toEqual([
        expect.stringMatching(/^duty:.*:0$/),
        expect.stringMatching(/^subscription:/),
      ]);

      // through the runner, as the scheduler runs it: the job gets the app's transport in its context
      const queue = new InProcessQueue({
        clock: time,
        logger: api.deps.logger,
        consumeBatch: consumeEach(async () => ({ action: "ack" as const })),
      });
      const { runner } = wireJobs({
        app: api.deps,
        queue,
        registry: new JobRegistry([dispatchNotificationsJob]),
      });
      expect(await runJob(runner, dispatchNotificationsJob, "test")).toMatchObject({ outcome: "ok" });
      const delivered = receiver.received.filter((r) => JSON.parse(r.body).subjectId === quiet.id);
      expect(delivered.map((r) => r.path).sort()).toEqual(["/hooks/ada", "/hooks/offline"]);
      expect(delivered.every((r) => r.verified)).toBe(true);
      expect(JSON.parse(delivered[0]!.body)).toMatchObject({
        type: "cluster.offline",
        data: { clusterId: quiet.id, clusterName: quiet.name, to: "offline" },
      });
      expect((await rows()).every((r) => r.status === "sent")).toBe(true);
    });

    it("retries a failing receiver with exponential backoff, then fails the row with the last error", async () => {
      await subscribe(["order.created"], "webhook", receiver.url("/hooks/down"));
      receiver.answer("/hooks/down", Array(10).fill(500));
      await enqueue("ORD-1");
      const { backoffBaseMs, maxAttempts } = DISPATCH_DEFAULTS;

      for (let attempt = 1; attempt < maxAttempts; attempt++) {
        expect(await dispatch()).toEqual({ sent: 0, retrying: 1, failed: 0 });
        const [row] = await rows();
        const wait = backoffBaseMs * 2 ** (attempt - 1);
        expect(row).toMatchObject({
          status: "pending",
          attempts: attempt,
          lastError: "the webhook receiver answered 500",
        });
        expect(row!.nextAttemptAt).toEqual(new Date(time.now().getTime() + wait));
        // not due yet: a run a moment before sends nothing
        await time.advance(wait - 1);
        expect(await dispatch()).toEqual({ sent: 0, retrying: 0, failed: 0 });
        await time.advance(1);
      }
      expect(receiver.received).toHaveLength(maxAttempts - 1);
      expect(await dispatch()).toEqual({ sent: 0, retrying: 0, failed: 1 });
      const [failed] = await rows();
      expect(failed).toMatchObject({
        status: "failed",
        attempts: maxAttempts,
        lastError: "the webhook receiver answered 500",
        nextAttemptAt: null,
        sentAt: null,
      });
      await time.advance(24 * 3_600_000);
      expect(await dispatch()).toEqual({ sent: 0, retrying: 0, failed: 0 });
      expect(receiver.received).toHaveLength(maxAttempts);
      expect(new Set(receiver.received.map((r) => r.headers["ksp-delivery-id"])).size).toBe(1);
    });

    it("recovers when the receiver comes back, clearing the error", async () => {
      await subscribe(["order.created"], "webhook", receiver.url("/hooks/flaky"));
      receiver.answer("/hooks/flaky", [503]);
      await enqueue("ORD-2");
      expect(await dispatch()).toMatchObject({ retrying: 1 });
      await time.advance(DISPATCH_DEFAULTS.backoffBaseMs);
      expect(await dispatch()).toMatchObject({ sent: 1 });
      const [row] = await rows();
      expect(row).toMatchObject({ status: "sent", attempts: 2, lastError: null });
    });

    it("never sends a row twice when two dispatchers run at once", async () => {
      await subscribe(["order.created"], "webhook", receiver.url("/hooks/race"));
      for (let i = 0; i < 12; i++) await enqueue(`ORD-R${i}`);
      const [a, b] = await Promise.all([dispatch({ batchSize: 2 }), dispatch({ batchSize: 2 })]);
      expect(a.sent + b.sent).toBe(12);
      const ids = receiver.received.map((r) => r.headers["ksp-delivery-id"]);
      expect(ids).toHaveLength(12);
      expect(new Set(ids).size).toBe(12);
      expect((await rows()).every((r) => r.status === "sent" && r.attempts === 1)).toBe(true);
    });

    it("sends email through the adapter, signed, as { to, subject, text, deliveryId }", async () => {
      await subscribe(["order.created"], "email", "oncall@example.com");
      await enqueue("ORD-000042");
      expect(await dispatch()).toMatchObject({ sent: 1 });
      const [mail] = emailAdapter.received;
      expect(mail).toMatchObject({ path: "/mail", verified: true });
      const [row] = await rows();
      expect(mail!.headers["ksp-delivery-id"]).toBe(row!.deliveryId);
      const body = JSON.parse(mail!.body);
      expect(body).toEqual({
        to: "oncall@example.com",
        subject: "[ksp] Order created: ORD-000042",
        text: expect.stringContaining("Event: order.created"),
        deliveryId: row!.deliveryId,
      });
      expect(receiver.received).toHaveLength(0);
    });

    it("fails email rows plainly when there is no email adapter, and every row when nothing can send", async () => {
      await subscribe(["order.created"], "email", "oncall@example.com");
      await subscribe(["order.created"], "webhook", receiver.url("/hooks/none"));
      await enqueue("ORD-3");
      const withoutEmail = { ...transport, emailWebhookUrl: undefined };
      expect(await dispatch({ transport: withoutEmail })).toEqual({ sent: 1, retrying: 0, failed: 1 });
      const email = (await rows()).find((r) => r.channel === "email");
      expect(email).toMatchObject({
        status: "failed",
        attempts: 1,
        lastError: "email notifications need KSP_EMAIL_WEBHOOK_URL",
      });

      await enqueue("ORD-4");
      const nothing = webhookTransport({
        qstash: undefined,
        signingKeys: undefined,
        emailWebhookUrl: undefined,
      });
      expect(await dispatch({ transport: nothing })).toEqual({ sent: 0, retrying: 0, failed: 2 });
      const failed = (await rows()).filter((r) => r.subjectId === "ORD-4");
      expect(failed.map((r) => r.lastError)).toEqual([NO_WEBHOOK_TRANSPORT, NO_WEBHOOK_TRANSPORT]);
    });

    it("leaves a row claimed by a dispatcher that died to be sent again once its lease lapses", async () => {
      await subscribe(["order.created"], "webhook", receiver.url("/hooks/lease"));
      await enqueue("ORD-5");
      // a dispatcher claimed the row and never came back
      await db()
        .update(notifications)
        .set({
          attempts: 1,
          nextAttemptAt: new Date(time.now().getTime() + DISPATCH_DEFAULTS.leaseMs),
        })
        .where(eq(notifications.status, "pending"));
      expect(await dispatch()).toMatchObject({ sent: 0 });
      await time.advance(DISPATCH_DEFAULTS.leaseMs);
      expect(await dispatch()).toMatchObject({ sent: 1 });
      const [row] = await rows();
      expect(row).toMatchObject({ status: "sent", attempts: 2 });
      expect(await db().$count(notifications)).toBe(1);
    });
  });
});
