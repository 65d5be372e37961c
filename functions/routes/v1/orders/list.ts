import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { pageOf } from "../../../http/pagination.ts";
import { listOrders } from "../../../services/orders/list-orders.ts";
import { ListOrdersQuery, OrderSchema, orderStatusesOf, presentOrder } from "./schemas.ts";

const route = createRoute({
  method: "get",
  path: "/v1/orders",
  operationId: "listOrders",
  tags: ["orders"],
  summary: "List orders; filters combine (viewer)",
  description:
    "Oldest first. A cluster-scoped token sees only its cluster's orders (never those for machines " +
    "of the free inventory). clusterId and poolId take names too.",
  security: [{ [BEARER_SCHEME]: [] }],
  request: { query: ListOrdersQuery },
  responses: {
    200: {
      description: "A page of orders with their devices, oldest first",
      content: { "application/json": { schema: pageOf(OrderSchema, "OrderPage") } },
    },
    ...errorResponses("validation_failed", "unauthorized", "forbidden", "not_found", "conflict"),
  },
});

export const registerListOrders = defineRoute({
  route,
  access: "viewer",
  run: async (c, { ctx, principal }) => {
    const { status, ...query } = c.req.valid("query");
    const page = await listOrders({
      ctx,
      input: { ...query, statuses: orderStatusesOf(status), scopeClusterId: principal.clusterId },
    });
    return c.json({ items: page.items.map(presentOrder), nextCursor: page.nextCursor }, 200);
  },
});
