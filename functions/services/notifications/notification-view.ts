/**
 * What the API shows of one notification (one event to one recipient): where
 * it went, why, the body we sent, and how delivery went. The payload is ours
 * (the event's data), but it is masked as audit changes are, so a secret that
 * slipped into an event's data is never shown back.
 */
import type {
  ContactChannel,
  Notification,
  NotificationEventType,
  NotificationStatus,
} from "../../../drizzle/schema/index.ts";
import { maskSecrets } from "../../../shared/mask-secrets.ts";

export interface NotificationView {
  id: string;
  /** the idempotency key the receiver sees */
  deliveryId: string;
  eventType: NotificationEventType;
  subjectId: string | null;
  channel: ContactChannel;
  address: string;
  /** "subscription:<id>" or "duty:<id>" */
  recipient: string;
  payload: Record<string, unknown>;
  status: NotificationStatus;
  attempts: number;
  nextAttemptAt: string | null;
  transportMessageId: string | null;
  lastError: string | null;
  sentAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export function toNotificationView(row: Notification): NotificationView {
  return {
    id: row.id,
    deliveryId: row.deliveryId,
    eventType: row.eventType,
    subjectId: row.subjectId,
    channel: row.channel,
    address: row.address,
    recipient: row.recipient,
    payload: maskSecrets(row.payload) as Record<string, unknown>,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.nextAttemptAt?.toISOString() ?? null,
    transportMessageId: row.transportMessageId,
    lastError: row.lastError,
    sentAt: row.sentAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
