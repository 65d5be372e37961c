/** The route approve.ts, ignore.ts and cancel.ts each register: a decision on a pending order. */
import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import type { ServiceCall } from "../../../services/context.ts";
import type { OrderDecisionInput } from "../../../services/orders/decide-order.ts";
import type { OrderView } from "../../../services/orders/order-view.ts";
import { OrderDecisionBody, OrderIdParams, OrderSchema, presentOrder } from "./schemas.ts";

export function orderDecisionRoute(decision: {
  verb: "approve" | "ignore" | "cancel";
  summary: string;
  description: string;
  decide: (call: ServiceCall<OrderDecisionInput>) => Promise<OrderView>;
}) {
  const route = createRoute({
    method: "post",
    path: `/v1/orders/{orderId}/${decision.verb}`,
    operationId: `${decision.verb}Order`,
    tags: ["orders"],
    summary: decision.summary,
    description: decision.description,
    security: [{ [BEARER_SCHEME]: [] }],
    request: {
      params: OrderIdParams,
      body: { required: false, content: { "application/json": { schema: OrderDecisionBody } } },
    },
    responses: {
      200: { description: "The order", content: { "application/json": { schema: OrderSchema } } },
      ...errorResponses(
        "validation_failed",
        "bad_request",
        "unauthorized",
        "forbidden",
        "not_found",
        "conflict",
        "illegal_transition",
        "stale_version",
      ),
    },
  });
  return defineRoute({
    route,
    access: "operator",
    audit: { action: `order.${decision.verb}`, resourceType: "order" },
    run: async (c, { ctx, principal }) => {
      const { orderId } = c.req.valid("param");
      const body = c.req.valid("json") ?? {};
      const order = await decision.decide({
        ctx,
        input: { orderId, ...body, scopeClusterId: principal.clusterId },
      });
      return c.json(presentOrder(order), 200);
    },
  });
}
