import { createRoute, z } from "@hono/zod-openapi";
import { NOTIFICATION_EVENT_TYPES, NOTIFICATION_STATUSES } from "../../../../drizzle/schema/index.ts";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { PageQuerySchema, pageOf } from "../../../http/pagination.ts";
import { listNotifications } from "../../../services/notifications/list-notifications.ts";
import { NotificationSchema } from "./schemas.ts";

const ListNotificationsQuery = PageQuerySchema.extend({
  eventType: z.enum(NOTIFICATION_EVENT_TYPES).optional(),
  status: z.enum(NOTIFICATION_STATUSES).optional(),
  subjectId: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .openapi({ description: "what the event is about, e.g. an order's id" }),
});

const route = createRoute({
  method: "get",
  path: "/v1/notifications",
  operationId: "listNotifications",
  tags: ["notifications"],
  summary: "The notification log, newest first (unscoped operator)",
  description: "One row per event and recipient, with its delivery status and attempts.",
  security: [{ [BEARER_SCHEME]: [] }],
  request: { query: ListNotificationsQuery },
  responses: {
    200: {
      description: "A page of notifications, newest first",
      content: { "application/json": { schema: pageOf(NotificationSchema, "NotificationPage") } },
    },
    ...errorResponses("validation_failed", "unauthorized", "forbidden"),
  },
});

export const registerListNotifications = defineRoute({
  route,
  access: "operator",
  unscopedOnly:
    "the notification log spans the fleet and names its recipients: a cluster-scoped token cannot read it",
  run: async (c, { ctx }) => c.json(await listNotifications({ ctx, input: c.req.valid("query") }), 200),
});
