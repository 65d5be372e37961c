import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { createSubscription } from "../../../services/subscriptions/create-subscription.ts";
import { CreateSubscriptionBody, SubscriptionSchema } from "./schemas.ts";

const route = createRoute({
  method: "post",
  path: "/v1/subscriptions",
  operationId: "createSubscription",
  tags: ["subscriptions"],
  summary: "Subscribe a webhook URL or email address to event types (unscoped operator)",
  description:
    "eventTypes is a non-empty set of the notification event types; the address must suit the channel " +
    "(an http(s) URL for webhook, an email address for email). A refusal names the field (eventTypes[1]).",
  security: [{ [BEARER_SCHEME]: [] }],
  request: { body: { required: true, content: { "application/json": { schema: CreateSubscriptionBody } } } },
  responses: {
    201: { description: "Created", content: { "application/json": { schema: SubscriptionSchema } } },
    ...errorResponses("validation_failed", "bad_request", "unauthorized", "forbidden"),
  },
});

export const registerCreateSubscription = defineRoute({
  route,
  access: "operator",
  unscopedOnly: "subscriptions span the fleet: a cluster-scoped token cannot reach them",
  audit: { action: "subscription.create", resourceType: "subscription" },
  run: async (c, { ctx }) => c.json(await createSubscription({ ctx, input: c.req.valid("json") }), 201),
});
