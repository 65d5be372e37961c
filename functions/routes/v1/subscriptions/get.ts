import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { getSubscription } from "../../../services/subscriptions/get-subscription.ts";
import { SubscriptionIdParams, SubscriptionSchema } from "./schemas.ts";

const route = createRoute({
  method: "get",
  path: "/v1/subscriptions/{subscriptionId}",
  operationId: "getSubscription",
  tags: ["subscriptions"],
  summary: "One subscription (unscoped operator)",
  security: [{ [BEARER_SCHEME]: [] }],
  request: { params: SubscriptionIdParams },
  responses: {
    200: { description: "The subscription", content: { "application/json": { schema: SubscriptionSchema } } },
    ...errorResponses("validation_failed", "unauthorized", "forbidden", "not_found"),
  },
});

export const registerGetSubscription = defineRoute({
  route,
  access: "operator",
  unscopedOnly: "subscriptions span the fleet: a cluster-scoped token cannot reach them",
  run: async (c, { ctx }) => {
    const { subscriptionId } = c.req.valid("param");
    return c.json(await getSubscription({ ctx, input: { id: subscriptionId } }), 200);
  },
});
