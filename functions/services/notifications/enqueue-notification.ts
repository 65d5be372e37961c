/**
 * The notification outbox. A change that notifies (an order created, a pool
 * out of stock) calls this inside its own transaction: one `pending` row per
 * recipient commits with the change or not at all, and the dispatcher
 * (jobs/dispatch-notifications.ts) sends it afterwards. Recipients are every
 * enabled subscription to the event type, and everyone on duty at `now`
 * (the on-duty person hears about every event type).
 *
 * The delivery id is derived from the event and the recipient, so enqueuing
 * the same event twice (a redelivered queue message) adds nothing.
 */
import { and, gt, lte, sql } from "drizzle-orm";
import type { Db } from "../../../drizzle/client.ts";
import {
  type ContactChannel,
  dutyRoster,
  type NotificationEventType,
  notifications,
  subscriptions,
} from "../../../drizzle/schema/index.ts";

export interface NotificationEvent {
  eventType: NotificationEventType;
  /** what the event is about (an order id, a pool id and day); with the type, it names the event */
  subjectId: string;
  /** the JSON body receivers get (under `data`) */
  data: Record<string, unknown>;
}

interface Recipient {
  key: string;
  channel: ContactChannel;
  address: string;
}

async function recipientsOf(tx: Db, eventType: NotificationEventType, now: Date): Promise<Recipient[]> {
  const subscribed = await tx
    .select({ id: subscriptions.id, channel: subscriptions.channel, address: subscriptions.address })
    .from(subscriptions)
    .where(
      and(
        sql`${subscriptions.enabled}`,
        sql`${subscriptions.eventTypes} @> ${JSON.stringify([eventType])}::jsonb`,
      ),
    );
  const onDuty = await tx
    .select({ id: dutyRoster.id, contacts: dutyRoster.contacts })
    .from(dutyRoster)
    .where(and(lte(dutyRoster.startsAt, now), gt(dutyRoster.endsAt, now)));
  const recipients: Recipient[] = subscribed.map((s) => ({
    key: `subscription:${s.id}`,
    channel: s.channel,
    address: s.address,
  }));
  for (const shift of onDuty) {
    shift.contacts.forEach((contact, i) => {
      recipients.push({ key: `duty:${shift.id}:${i}`, channel: contact.channel, address: contact.address });
    });
  }
  return recipients;
}

/** Returns how many rows were new (0 on a repeat of the same event). */
export async function enqueueNotification(tx: Db, event: NotificationEvent, now: Date): Promise<number> {
  const recipients = await recipientsOf(tx, event.eventType, now);
  if (recipients.length === 0) return 0;
  const rows = await tx
    .insert(notifications)
    .values(
      recipients.map((r) => ({
        deliveryId: `${event.eventType}:${event.subjectId}:${r.key}`,
        eventType: event.eventType,
        subjectId: event.subjectId,
        channel: r.channel,
        address: r.address,
        recipient: r.key,
        payload: event.data,
        status: "pending" as const,
        nextAttemptAt: now,
        createdAt: now,
        updatedAt: now,
      })),
    )
    .onConflictDoNothing({ target: notifications.deliveryId })
    .returning({ id: notifications.id });
  return rows.length;
}
