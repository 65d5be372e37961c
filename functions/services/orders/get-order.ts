/** One order by id, with its devices; other clusters' orders (for a scoped caller) are not found. */
import type { ServiceCall } from "../context.ts";
import { findOrder, type OrderScope, type OrderView, orderView } from "./order-view.ts";

export interface GetOrderInput {
  orderId: string;
  scopeClusterId: OrderScope;
}

export async function getOrder({ ctx, input }: ServiceCall<GetOrderInput>): Promise<OrderView> {
  return orderView(ctx.db, await findOrder(ctx.db, input.orderId, input.scopeClusterId));
}
