import { createRoute, z } from "@hono/zod-openapi";
import { CONTACT_CHANNELS } from "../../../../drizzle/schema/index.ts";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { PageQuerySchema, pageOf } from "../../../http/pagination.ts";
import { listSubscriptions } from "../../../services/subscriptions/list-subscriptions.ts";
import { EventTypeSchema, SubscriptionSchema } from "./schemas.ts";

const ListSubscriptionsQuery = PageQuerySchema.extend({
  eventType: EventTypeSchema.optional().openapi({ description: "only subscriptions that receive this type" }),
  channel: z.enum(CONTACT_CHANNELS).optional(),
  enabled: z.enum(["true", "false"]).optional(),
});

const route = createRoute({
  method: "get",
  path: "/v1/subscriptions",
  operationId: "listSubscriptions",
  tags: ["subscriptions"],
  summary: "List subscriptions (unscoped operator)",
  security: [{ [BEARER_SCHEME]: [] }],
  request: { query: ListSubscriptionsQuery },
  responses: {
    200: {
      description: "A page of subscriptions, oldest first",
      content: { "application/json": { schema: pageOf(SubscriptionSchema, "SubscriptionPage") } },
    },
    ...errorResponses("validation_failed", "unauthorized", "forbidden"),
  },
});

export const registerListSubscriptions = defineRoute({
  route,
  access: "operator",
  unscopedOnly: "subscriptions span the fleet: a cluster-scoped token cannot reach them",
  run: async (c, { ctx }) => {
    const { enabled, ...query } = c.req.valid("query");
    const input = { ...query, enabled: enabled === undefined ? undefined : enabled === "true" };
    return c.json(await listSubscriptions({ ctx, input }), 200);
  },
});
