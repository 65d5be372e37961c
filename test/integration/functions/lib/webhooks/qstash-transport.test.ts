/**
 * With QSTASH_TOKEN set the dispatcher publishes through QStash (here the
 * local stand-in, which implements what @upstash/qstash's Client sends): the
 * row is `sent` once QStash has the message, and QStash delivers it signed
 * with its own keys, forwards Ksp-Delivery-Id, and retries a failing receiver
 * itself. The delivery id is the deduplication id, so a republish (a
 * dispatcher whose lease lapsed mid-publish) is delivered once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { notifications, subscriptions } from "../../../../../drizzle/schema/index.ts";
import { type WebhookTransport, webhookTransport } from "../../../../../functions/lib/webhooks/transport.ts";
import { enqueueNotification } from "../../../../../functions/services/notifications/enqueue-notification.ts";
import { webhookMessage } from "../../../../../functions/services/notifications/notification-messages.ts";
import { sendDueNotifications } from "../../../../../functions/services/notifications/send-due-notifications.ts";
import { ManualClock } from "../../../../../shared/clock.ts";
import { startTestApi, type TestApi } from "../../../../support/api.ts";
import { testContext } from "../../../../support/fixtures.ts";
import { type QStashStandin, startQStashStandin } from "../../../../support/qstash-standin.ts";
import { startWebhookReceiver, type WebhookReceiver } from "../../../../support/webhook-receiver.ts";

describe("notifications through QStash", () => {
  const clock = new ManualClock(Date.UTC(2026, 2, 1, 9));
  let qstash: QStashStandin;
  let receiver: WebhookReceiver;
  let transport: WebhookTransport;
  let api: TestApi;

  beforeAll(async () => {
    qstash = await startQStashStandin({ retryBaseMs: 50 });
    receiver = await startWebhookReceiver({
      currentSigningKey: qstash.currentSigningKey,
      nextSigningKey: qstash.nextSigningKey,
    });
    transport = webhookTransport({
      qstash: { token: qstash.token, baseUrl: qstash.url },
      signingKeys: { currentSigningKey: qstash.currentSigningKey, nextSigningKey: qstash.nextSigningKey },
      emailWebhookUrl: undefined,
    });
    api = await startTestApi({ driver: "pglite", clock, webhooks: transport });
  });
  afterAll(async () => {
    await api?.close();
    await qstash?.close();
    await receiver?.close();
  });

  it("hands the event to QStash, which delivers it signed and retries a failing receiver", async () => {
    expect(transport.kind).toBe("qstash");
    const db = api.database.db;
    await db.insert(subscriptions).values({
      name: "ops",
      eventTypes: ["order.failed"],
      channel: "webhook",
      address: receiver.url("/hooks/ops"),
    });
    await db.transaction((tx) =>
      enqueueNotification(
        tx,
        { eventType: "order.failed", subjectId: "order-1", data: { order: { number: "ORD-000007" } } },
        clock.now(),
      ),
    );
    receiver.answer("/hooks/ops", [500]);

    const result = await sendDueNotifications({ ctx: testContext(db, { clock }), input: { transport } });
    expect(result).toEqual({ sent: 1, retrying: 0, failed: 0 });
    const [row] = await db.select().from(notifications);
    expect(row).toMatchObject({
      status: "sent",
      attempts: 1,
      transportMessageId: expect.stringMatching(/^msg_/),
    });

    const deliveries = await qstash.waitForDeliveries(2);
    expect(deliveries.map((d) => [d.messageId, d.attempt, d.status])).toEqual([
      [row!.transportMessageId, 1, 500],
      [row!.transportMessageId, 2, 200],
    ]);
    expect(receiver.received.map((r) => r.verified)).toEqual([true, true]);
    for (const request of receiver.received) {
      expect(request.headers["ksp-delivery-id"]).toBe(row!.deliveryId);
      expect(request.headers["content-type"]).toBe("application/json");
      expect(JSON.parse(request.body)).toMatchObject({ id: row!.deliveryId, type: "order.failed" });
    }

    // republished (a lease that lapsed mid-publish): QStash deduplicates by the delivery id
    const again = await transport.publisher!.publish(webhookMessage(row!));
    expect(again.messageId).toBe(row!.transportMessageId);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(qstash.deliveries).toHaveLength(2);
  });
});
