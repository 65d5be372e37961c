/**
 * The notification outbox. A change that notifies (an order created, a pool
 * out of stock, a machine faulted) calls this inside its own transaction: one
 * `pending` row per recipient commits with the change or not at all, and the
 * dispatcher (jobs/dispatch-notifications.ts) sends it afterwards. Recipients
 * are every enabled subscription to the event type, and everyone on duty at
 * `now` (the on-duty person hears about every event type).
 *
 * The delivery id is derived from the event and the recipient, so enqueuing
 * the same event twice (a redelivered queue message) adds nothing.
 *
 * One INSERT … SELECT whatever the number of events, so hot paths (a batch of
 * machine transitions) pay one statement for their notifications.
 */
import { sql } from "drizzle-orm";
import type { Db } from "../../../drizzle/client.ts";
import { resultRows } from "../../../drizzle/drivers/rows.ts";
import type { NotificationEventType } from "../../../drizzle/schema/index.ts";

export interface NotificationEvent {
  eventType: NotificationEventType;
  /** what the event is about (an order id, a pool id and day); with the type, it names the event */
  subjectId: string;
  /**
   * Tells apart events of one type about one subject that recur (a machine's
   * second fault, a cluster going offline again); part of the delivery id.
   */
  occurrence?: string;
  /** the JSON body receivers get (under `data`) */
  data: Record<string, unknown>;
}

/** The idempotency key a receiver sees: event type, subject (and occurrence), recipient. */
export function deliveryIdOf(
  event: Pick<NotificationEvent, "eventType" | "subjectId" | "occurrence">,
): string {
  const subject = event.occurrence === undefined ? event.subjectId : `${event.subjectId}@${event.occurrence}`;
  return `${event.eventType}:${subject}`;
}

/** Returns how many rows were new (0 on a repeat of the same event). */
export async function enqueueNotification(tx: Db, event: NotificationEvent, now: Date): Promise<number> {
  return enqueueNotifications(tx, [event], now);
}

/** Several events in one statement; returns how many rows were new. */
export async function enqueueNotifications(
  tx: Db,
  events: readonly NotificationEvent[],
  now: Date,
): Promise<number> {
  if (events.length === 0) return 0;
  const rows = events.map((e) => ({
    event_type: e.eventType,
    subject_id: e.subjectId,
    event_key: deliveryIdOf(e),
    data: e.data,
  }));
  const at = now.toISOString();
  // recipients: enabled subscriptions (with the types they want) and each contact of whoever is on duty
  const inserted = await tx.execute(sql`
    insert into notifications (delivery_id, event_type, subject_id, channel, address, recipient, payload,
                               status, next_attempt_at, created_at, updated_at)
    select e.event_key || ':' || r.key, e.event_type, e.subject_id, r.channel, r.address, r.key, e.data,
           'pending', ${at}::timestamptz, ${at}::timestamptz, ${at}::timestamptz
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
           as e(event_type text, subject_id text, event_key text, data jsonb)
    join (
      select 'subscription:' || s.id as key, s.channel, s.address, s.event_types as wants
      from subscriptions s
      where s.enabled
      union all
      select 'duty:' || d.id || ':' || (c.ord - 1), c.contact ->> 'channel', c.contact ->> 'address', null
      from duty_roster d
      cross join lateral jsonb_array_elements(d.contacts) with ordinality as c(contact, ord)
      where d.starts_at <= ${at}::timestamptz and d.ends_at > ${at}::timestamptz
    ) r on r.wants is null or r.wants @> jsonb_build_array(e.event_type)
    on conflict (delivery_id) do nothing
    returning id`);
  return resultRows(inserted).length;
}
