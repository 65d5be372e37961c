import { sql } from "drizzle-orm";
import { check, index, integer, jsonb, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, tstz, updatedAt } from "./columns.ts";
import type { ContactChannel } from "./duty-roster.ts";
import type { NotificationEventType } from "./subscriptions.ts";

export const NOTIFICATION_STATUSES = ["pending", "sent", "failed"] as const;
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];

/**
 * The notification log: one row per (event, recipient). `deliveryId` is the
 * idempotency key the receiver sees; sending the same event to the same
 * recipient twice finds the row instead of adding one.
 */
export const notifications = pgTable(
  "notifications",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    deliveryId: text("delivery_id").notNull(),
    eventType: text("event_type").$type<NotificationEventType>().notNull(),
    // the event's own id (e.g. the order's), so every recipient of it can be listed
    subjectId: text("subject_id"),
    channel: text("channel").$type<ContactChannel>().notNull(),
    address: text("address").notNull(),
    // why this recipient: "subscription:<id>" or "duty:<id>"
    recipient: text("recipient").notNull(),
    payload: jsonb("payload").$type<Record<string, unknown>>().notNull(),
    status: text("status").$type<NotificationStatus>().notNull().default("pending"),
    // publish attempts so far, and when the dispatcher may try again (backoff); null once settled
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: tstz("next_attempt_at"),
    // QStash's message id, or the in-process sender's
    transportMessageId: text("transport_message_id"),
    lastError: text("last_error"),
    sentAt: tstz("sent_at"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("notifications_delivery_uq").on(t.deliveryId),
    index("notifications_created_id_idx").on(t.createdAt, t.id),
    index("notifications_event_type_idx").on(t.eventType, t.createdAt),
    // the dispatcher's work list: pending rows that are due
    index("notifications_due_idx").on(t.nextAttemptAt).where(sql`${t.status} = 'pending'`),
    check("notifications_status_ck", sql`${t.status} in ('pending', 'sent', 'failed')`),
    check("notifications_channel_ck", sql`${t.channel} in ('email', 'webhook')`),
  ],
);

export type Notification = typeof notifications.$inferSelect;
export type NewNotification = typeof notifications.$inferInsert;
