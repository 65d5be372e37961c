/**
 * The notification log, newest first, keyset-paginated on (created_at, id)
 * descending; filters by event type, delivery status and subject (e.g. an
 * order's id: everyone told about it).
 */
import { and, desc, eq, type SQL } from "drizzle-orm";
import {
  type NotificationEventType,
  type NotificationStatus,
  notifications,
} from "../../../drizzle/schema/index.ts";
import type { ServiceCall } from "../context.ts";
import { microsText, olderThan, positionFromCursor } from "../events/keyset.ts";
import { type CursorValues, type Page, toPage } from "../pagination.ts";
import { type NotificationView, toNotificationView } from "./notification-view.ts";

export interface ListNotificationsInput {
  limit: number;
  cursor?: string | undefined;
  eventType?: NotificationEventType | undefined;
  status?: NotificationStatus | undefined;
  subjectId?: string | undefined;
}

export async function listNotifications({
  ctx,
  input,
}: ServiceCall<ListNotificationsInput>): Promise<Page<NotificationView>> {
  const n = notifications;
  const conditions: (SQL | undefined)[] = [];
  if (input.eventType !== undefined) conditions.push(eq(n.eventType, input.eventType));
  if (input.status !== undefined) conditions.push(eq(n.status, input.status));
  if (input.subjectId !== undefined) conditions.push(eq(n.subjectId, input.subjectId));
  if (input.cursor) conditions.push(olderThan(n.createdAt, n.id, positionFromCursor(input.cursor)));
  const rows = await ctx.db
    .select({ notification: n, at: microsText(n.createdAt) })
    .from(n)
    .where(and(...conditions))
    .orderBy(desc(n.createdAt), desc(n.id))
    .limit(input.limit + 1);
  return toPage(
    rows,
    input.limit,
    (r): CursorValues => ({ at: r.at, id: r.notification.id }),
    (r) => toNotificationView(r.notification),
  );
}
