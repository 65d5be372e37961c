/**
 * What the API shows of a subscription, and the reads and rules the
 * subscription services share. Subscriptions are fleet-wide; their
 * addresses may carry a webhook's secret path, so only unscoped operators
 * read them (the routes say so).
 */
import { eq } from "drizzle-orm";
import type { Db } from "../../../drizzle/client.ts";
import {
  type ContactChannel,
  NOTIFICATION_EVENT_TYPES,
  type NotificationEventType,
  type Subscription,
  subscriptions,
} from "../../../drizzle/schema/index.ts";
import { AppError } from "../../lib/errors.ts";
import { checkChannelAddress } from "../duty-roster/contact.ts";
import { isUuid } from "../machines/ids.ts";

export const SUBSCRIPTION_NAME_MAX = 100;

export interface SubscriptionView {
  id: string;
  name: string;
  eventTypes: NotificationEventType[];
  channel: ContactChannel;
  address: string;
  enabled: boolean;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
}

export function toSubscriptionView(row: Subscription): SubscriptionView {
  return {
    id: row.id,
    name: row.name,
    eventTypes: row.eventTypes,
    channel: row.channel,
    address: row.address,
    enabled: row.enabled,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function subscriptionNotFound(id: string): AppError {
  return new AppError("not_found", `subscription ${id} not found`, { subscriptionId: id });
}

export async function findSubscription(
  db: Db,
  id: string,
  options: { lock?: boolean } = {},
): Promise<Subscription> {
  if (!isUuid(id)) throw subscriptionNotFound(id);
  const query = db.select().from(subscriptions).where(eq(subscriptions.id, id));
  const [row] = options.lock ? await query.for("update") : await query;
  if (!row) throw subscriptionNotFound(id);
  return row;
}

export interface SubscriptionSettings {
  name: string;
  eventTypes: NotificationEventType[];
  channel: ContactChannel;
  address: string;
  enabled: boolean;
}

const isEventType = (v: unknown): v is NotificationEventType =>
  (NOTIFICATION_EVENT_TYPES as readonly unknown[]).includes(v);

/** The whole would-be subscription: a name, known event types (at least one), an address its channel reaches. */
export function checkSubscription(s: SubscriptionSettings): void {
  if (typeof s.name !== "string" || s.name.trim() === "" || s.name.length > SUBSCRIPTION_NAME_MAX) {
    throw invalid("name", `must be 1 to ${SUBSCRIPTION_NAME_MAX} characters, not blank`);
  }
  if (!Array.isArray(s.eventTypes) || s.eventTypes.length === 0) {
    throw invalid("eventTypes", "give at least one event type");
  }
  const seen = new Set<string>();
  for (const [i, type] of s.eventTypes.entries()) {
    if (!isEventType(type)) {
      throw invalid(
        `eventTypes[${i}]`,
        `${JSON.stringify(type)} is not an event type (one of ${NOTIFICATION_EVENT_TYPES.join(", ")})`,
      );
    }
    if (seen.has(type)) throw invalid(`eventTypes[${i}]`, `${type} is listed twice`);
    seen.add(type);
  }
  checkChannelAddress(s.channel, s.address, "");
  if (typeof s.enabled !== "boolean") throw invalid("enabled", "must be true or false");
}

function invalid(path: string, why: string): AppError {
  return new AppError("validation_failed", `${path}: ${why}`, { path });
}
