import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { getOrder } from "../../../services/orders/get-order.ts";
import { OrderIdParams, OrderSchema, presentOrder } from "./schemas.ts";

const route = createRoute({
  method: "get",
  path: "/v1/orders/{orderId}",
  operationId: "getOrder",
  tags: ["orders"],
  summary: "One order with its devices (viewer)",
  security: [{ [BEARER_SCHEME]: [] }],
  request: { params: OrderIdParams },
  responses: {
    200: { description: "The order", content: { "application/json": { schema: OrderSchema } } },
    ...errorResponses("validation_failed", "unauthorized", "forbidden", "not_found"),
  },
});

export const registerGetOrder = defineRoute({
  route,
  access: "viewer",
  run: async (c, { ctx, principal }) => {
    const { orderId } = c.req.valid("param");
    const order = await getOrder({ ctx, input: { orderId, scopeClusterId: principal.clusterId } });
    return c.json(presentOrder(order), 200);
  },
});
