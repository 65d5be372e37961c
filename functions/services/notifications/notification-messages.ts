/**
 * What a notification row becomes on the wire. Webhooks get the event as
 * JSON; email goes through a webhook adapter (KSP_EMAIL_WEBHOOK_URL) that is
 * handed `{ to, subject, text, deliveryId }` and sends the mail, so the
 * control plane speaks no SMTP and both channels share signing and retries.
 * Every message carries `Ksp-Delivery-Id`: receivers deduplicate by it, since
 * a delivery may arrive twice (a retried attempt whose answer was lost).
 */
import type { Notification, NotificationEventType } from "../../../drizzle/schema/index.ts";
import type { WebhookMessage } from "../../lib/webhooks/qstash.ts";

export const DELIVERY_ID_HEADER = "Ksp-Delivery-Id";
export const EVENT_TYPE_HEADER = "Ksp-Event-Type";
/** QStash's own retries of one published delivery (its default); the in-process sender leaves them to the dispatcher. */
export const QSTASH_DELIVERY_RETRIES = 3;

export const EMAIL_NEEDS_ADAPTER = "email notifications need KSP_EMAIL_WEBHOOK_URL";

/** The JSON a webhook receiver gets. */
export interface WebhookEvent {
  id: string;
  type: NotificationEventType;
  subjectId: string | null;
  createdAt: string;
  data: Record<string, unknown>;
}

/** The JSON the email adapter gets. */
export interface EmailRequest {
  to: string;
  subject: string;
  text: string;
  deliveryId: string;
}

const TITLES: Record<NotificationEventType, string> = {
  "order.created": "Order created",
  "order.completed": "Order completed",
  "order.failed": "Order failed",
  "machine.fault": "Machine fault",
  "cluster.offline": "Cluster offline",
  "stock.empty": "No stock for a pool",
};

function envelope(row: Notification, url: string, body: unknown): WebhookMessage {
  return {
    url,
    body: JSON.stringify(body),
    headers: {
      "Content-Type": "application/json",
      [DELIVERY_ID_HEADER]: row.deliveryId,
      [EVENT_TYPE_HEADER]: row.eventType,
    },
    retries: QSTASH_DELIVERY_RETRIES,
    // republishing after a lost answer (or a crashed run) must not deliver twice through QStash
    deduplicationId: row.deliveryId,
  };
}

export function webhookMessage(row: Notification): WebhookMessage {
  const event: WebhookEvent = {
    id: row.deliveryId,
    type: row.eventType,
    subjectId: row.subjectId,
    createdAt: row.createdAt.toISOString(),
    data: row.payload,
  };
  return envelope(row, row.address, event);
}

/** A name people recognise for what the event is about: an order number, a host, a cluster. */
function subjectLabel(row: Notification): string {
  const data = row.payload as {
    order?: { number?: unknown };
    hostname?: unknown;
    clusterName?: unknown;
    poolName?: unknown;
  };
  const label = data.order?.number ?? data.hostname ?? data.clusterName ?? data.poolName;
  return typeof label === "string" ? label : (row.subjectId ?? row.deliveryId);
}

export function emailRequest(row: Notification): EmailRequest {
  const title = TITLES[row.eventType] ?? row.eventType;
  const text = [
    title,
    "",
    `Event: ${row.eventType}`,
    `Subject: ${row.subjectId ?? "-"}`,
    `At: ${row.createdAt.toISOString()}`,
    `Delivery: ${row.deliveryId}`,
    "",
    JSON.stringify(row.payload, null, 2),
    "",
  ].join("\n");
  return {
    to: row.address,
    subject: `[ksp] ${title}: ${subjectLabel(row)}`,
    text,
    deliveryId: row.deliveryId,
  };
}

export function emailMessage(row: Notification, adapterUrl: string): WebhookMessage {
  return envelope(row, adapterUrl, emailRequest(row));
}
