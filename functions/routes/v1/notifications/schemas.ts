/** The notification log's shape (GET /v1/notifications). */
import { z } from "@hono/zod-openapi";
import {
  CONTACT_CHANNELS,
  NOTIFICATION_EVENT_TYPES,
  NOTIFICATION_STATUSES,
} from "../../../../drizzle/schema/index.ts";

export const NotificationSchema = z
  .object({
    id: z.uuid(),
    deliveryId: z.string().openapi({ description: "the idempotency key the receiver sees" }),
    eventType: z.enum(NOTIFICATION_EVENT_TYPES),
    subjectId: z.string().nullable().openapi({ description: "what the event is about, e.g. an order's id" }),
    channel: z.enum(CONTACT_CHANNELS),
    address: z.string(),
    recipient: z
      .string()
      .openapi({ description: '"subscription:<id>" or "duty:<id>"', example: "duty:5e1f2a3b" }),
    payload: z.record(z.string(), z.unknown()).openapi({ description: "the body sent (secrets masked)" }),
    status: z.enum(NOTIFICATION_STATUSES),
    attempts: z.number().int(),
    nextAttemptAt: z
      .string()
      .nullable()
      .openapi({ description: "when the next attempt is due; null once settled" }),
    transportMessageId: z.string().nullable(),
    lastError: z.string().nullable(),
    sentAt: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Notification");
