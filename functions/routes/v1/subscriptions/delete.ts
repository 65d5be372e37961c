import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { deleteSubscription } from "../../../services/subscriptions/delete-subscription.ts";
import { SubscriptionIdParams, SubscriptionSchema } from "./schemas.ts";

const route = createRoute({
  method: "delete",
  path: "/v1/subscriptions/{subscriptionId}",
  operationId: "deleteSubscription",
  tags: ["subscriptions"],
  summary: "Delete a subscription (unscoped operator)",
  security: [{ [BEARER_SCHEME]: [] }],
  request: { params: SubscriptionIdParams },
  responses: {
    200: {
      description: "The deleted subscription",
      content: { "application/json": { schema: SubscriptionSchema } },
    },
    ...errorResponses("validation_failed", "unauthorized", "forbidden", "not_found"),
  },
});

export const registerDeleteSubscription = defineRoute({
  route,
  access: "operator",
  unscopedOnly: "subscriptions span the fleet: a cluster-scoped token cannot reach them",
  audit: { action: "subscription.delete", resourceType: "subscription" },
  run: async (c, { ctx }) => {
    const { subscriptionId } = c.req.valid("param");
    return c.json(await deleteSubscription({ ctx, input: { id: subscriptionId } }), 200);
  },
});
