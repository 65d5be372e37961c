import { sql } from "drizzle-orm";
import { boolean, check, jsonb, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { createdAt, updatedAt } from "./columns.ts";
import type { ContactChannel } from "./duty-roster.ts";

/** What the control plane notifies about. */
export const NOTIFICATION_EVENT_TYPES = [
  "order.created",
  "order.completed",
  "order.failed",
  "machine.fault",
  "cluster.offline",
  "stock.empty",
] as const;
export type NotificationEventType = (typeof NOTIFICATION_EVENT_TYPES)[number];

/** Standing requests: these event types go to this webhook URL or email address. */
export const subscriptions = pgTable(
  "subscriptions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    eventTypes: jsonb("event_types").$type<NotificationEventType[]>().notNull(),
    channel: text("channel").$type<ContactChannel>().notNull(),
    address: text("address").notNull(),
    enabled: boolean("enabled").notNull().default(true),
    createdBy: text("created_by"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    check("subscriptions_channel_ck", sql`${t.channel} in ('email', 'webhook')`),
    check("subscriptions_event_types_ck", sql`jsonb_typeof(${t.eventTypes}) = 'array'`),
  ],
);

export type Subscription = typeof subscriptions.$inferSelect;
export type NewSubscription = typeof subscriptions.$inferInsert;
