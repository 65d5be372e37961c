import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { createOrder } from "../../../services/orders/create-order.ts";
import { CreateOrderBody, OrderSchema, presentOrder } from "./schemas.ts";

const route = createRoute({
  method: "post",
  path: "/v1/orders",
  operationId: "createOrder",
  tags: ["orders"],
  summary: "Create a manual order, pending approval (operator)",
  description:
    "pool_entry: free, available machines that fit the pool; pool_exit: machines of the pool; " +
    "maintenance: any machines of one cluster (or of the free inventory) that are not archived. " +
    "A machine already in an open order, or one that does not suit the action, is a 409 naming it; " +
    "a missing clusterId or poolId for entry and exit is a 400 naming it.",
  security: [{ [BEARER_SCHEME]: [] }],
  request: { body: { required: true, content: { "application/json": { schema: CreateOrderBody } } } },
  responses: {
    201: { description: "The pending order", content: { "application/json": { schema: OrderSchema } } },
    ...errorResponses(
      "validation_failed",
      "bad_request",
      "unauthorized",
      "forbidden",
      "not_found",
      "conflict",
    ),
  },
});

export const registerCreateOrder = defineRoute({
  route,
  access: "operator",
  audit: { action: "order.create", resourceType: "order" },
  run: async (c, { ctx, principal }) => {
    const body = c.req.valid("json");
    const order = await createOrder({ ctx, input: { ...body, scopeClusterId: principal.clusterId } });
    return c.json(presentOrder(order), 201);
  },
});
