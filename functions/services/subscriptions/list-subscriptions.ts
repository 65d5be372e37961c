/**
 * Lists subscriptions, oldest first, keyset-paginated on (created_at, id);
 * filters by an event type they receive, channel and enabled flag.
 */
import { and, asc, eq, type SQL, sql } from "drizzle-orm";
import {
  type ContactChannel,
  type NotificationEventType,
  subscriptions,
} from "../../../drizzle/schema/index.ts";
import type { ServiceCall } from "../context.ts";
import { microsText, positionFromCursor } from "../events/keyset.ts";
import { type CursorValues, type Page, toPage } from "../pagination.ts";
import { type SubscriptionView, toSubscriptionView } from "./subscription-view.ts";

export interface ListSubscriptionsInput {
  limit: number;
  cursor?: string | undefined;
  eventType?: NotificationEventType | undefined;
  channel?: ContactChannel | undefined;
  enabled?: boolean | undefined;
}

export async function listSubscriptions({
  ctx,
  input,
}: ServiceCall<ListSubscriptionsInput>): Promise<Page<SubscriptionView>> {
  const s = subscriptions;
  const conditions: (SQL | undefined)[] = [];
  if (input.eventType !== undefined) {
    conditions.push(sql`${s.eventTypes} @> jsonb_build_array(${input.eventType}::text)`);
  }
  if (input.channel !== undefined) conditions.push(eq(s.channel, input.channel));
  if (input.enabled !== undefined) conditions.push(eq(s.enabled, input.enabled));
  if (input.cursor) {
    const { at, id } = positionFromCursor(input.cursor);
    conditions.push(sql`(${s.createdAt}, ${s.id}) > (${at}::timestamptz, ${id}::uuid)`);
  }
  const rows = await ctx.db
    .select({ subscription: s, at: microsText(s.createdAt) })
    .from(s)
    .where(and(...conditions))
    .orderBy(asc(s.createdAt), asc(s.id))
    .limit(input.limit + 1);
  return toPage(
    rows,
    input.limit,
    (r): CursorValues => ({ at: r.at, id: r.subscription.id }),
    (r) => toSubscriptionView(r.subscription),
  );
}
