/**
 * Lists orders, oldest first, with keyset pagination on (created_at, id) as
 * the machine list does it (microsecond cursor; indexes orders_created_id_idx
 * and orders_status_created_idx serve the page), filters ANDed together. A
 * cluster-scoped caller sees only its cluster's orders (so never those of
 * free machines). A page costs two queries: the orders, then their devices.
 */
import { and, asc, eq, inArray, type SQL, sql } from "drizzle-orm";
import { type OrderAction, type OrderStatus, orders } from "../../../drizzle/schema/index.ts";
import type { ServiceCall } from "../context.ts";
import { microsText, positionFromCursor } from "../events/keyset.ts";
import { type CursorValues, type Page, toPage } from "../pagination.ts";
import { type OrderScope, type OrderView, orderViews } from "./order-view.ts";

export interface ListOrdersInput {
  limit: number;
  cursor?: string | undefined;
  /** any of these */
  statuses?: readonly OrderStatus[] | undefined;
  action?: OrderAction | undefined;
  clusterId?: string | undefined;
  poolId?: string | undefined;
  strategyId?: string | undefined;
  scopeClusterId: OrderScope;
}

function filters(input: ListOrdersInput): (SQL | undefined)[] {
  const conditions: (SQL | undefined)[] = [];
  if (input.scopeClusterId !== null) conditions.push(eq(orders.clusterId, input.scopeClusterId));
  if (input.clusterId) conditions.push(eq(orders.clusterId, input.clusterId));
  if (input.poolId) conditions.push(eq(orders.poolId, input.poolId));
  if (input.strategyId) conditions.push(eq(orders.strategyId, input.strategyId));
  if (input.action) conditions.push(eq(orders.action, input.action));
  if (input.statuses && input.statuses.length > 0)
    conditions.push(inArray(orders.status, [...input.statuses]));
  if (input.cursor) {
    const { at, id } = positionFromCursor(input.cursor);
    conditions.push(sql`(${orders.createdAt}, ${orders.id}) > (${at}::timestamptz, ${id}::uuid)`);
  }
  return conditions;
}

export async function listOrders({ ctx, input }: ServiceCall<ListOrdersInput>): Promise<Page<OrderView>> {
  const rows = await ctx.db
    .select({ order: orders, at: microsText(orders.createdAt) })
    .from(orders)
    .where(and(...filters(input)))
    .orderBy(asc(orders.createdAt), asc(orders.id))
    .limit(input.limit + 1);
  const page = toPage(
    rows,
    input.limit,
    (r): CursorValues => ({ at: r.at, id: r.order.id }),
    (r) => r.order,
  );
  return { items: await orderViews(ctx.db, page.items), nextCursor: page.nextCursor };
}
