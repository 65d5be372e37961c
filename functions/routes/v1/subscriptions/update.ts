import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { updateSubscription } from "../../../services/subscriptions/update-subscription.ts";
import { SubscriptionIdParams, SubscriptionSchema, UpdateSubscriptionBody } from "./schemas.ts";

const route = createRoute({
  method: "patch",
  path: "/v1/subscriptions/{subscriptionId}",
  operationId: "updateSubscription",
  tags: ["subscriptions"],
  summary: "Change a subscription (unscoped operator)",
  description:
    "Any of name, eventTypes (replaced whole), channel, address and enabled; the address must suit the channel.",
  security: [{ [BEARER_SCHEME]: [] }],
  request: {
    params: SubscriptionIdParams,
    body: { required: true, content: { "application/json": { schema: UpdateSubscriptionBody } } },
  },
  responses: {
    200: { description: "The subscription", content: { "application/json": { schema: SubscriptionSchema } } },
    ...errorResponses("validation_failed", "bad_request", "unauthorized", "forbidden", "not_found"),
  },
});

export const registerUpdateSubscription = defineRoute({
  route,
  access: "operator",
  unscopedOnly: "subscriptions span the fleet: a cluster-scoped token cannot reach them",
  audit: { action: "subscription.update", resourceType: "subscription" },
  run: async (c, { ctx }) => {
    const { subscriptionId } = c.req.valid("param");
    const changes = c.req.valid("json");
    return c.json(await updateSubscription({ ctx, input: { id: subscriptionId, changes } }), 200);
  },
});
