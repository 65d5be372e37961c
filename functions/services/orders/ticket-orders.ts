/**
 * Maintenance requests are keyed by the external system's ticket id: the
 * unique index orders_external_ticket_uq (ticket, action) holds one
 * maintenance order per ticket, and these reads find it again.
 */
import { and, eq } from "drizzle-orm";
import type { Db } from "../../../drizzle/client.ts";
import { type Order, orderDevices, orders } from "../../../drizzle/schema/index.ts";
import { AppError } from "../../lib/errors.ts";
import { isOrderVisible, type OrderScope } from "./order-view.ts";

export const TICKET_CONSTRAINT = "orders_external_ticket_uq";

/** The maintenance order of the ticket, if any (locked with `lock`), whoever may see it: callers check. */
export async function findTicketOrder(
  db: Db,
  ticketId: string,
  options: { lock?: boolean } = {},
): Promise<Order | null> {
  const query = db
    .select()
    .from(orders)
    .where(and(eq(orders.externalTicketId, ticketId), eq(orders.action, "maintenance")));
  const [row] = options.lock ? await query.for("update") : await query;
  return row ?? null;
}

/** The ticket's order as a caller in `scope` may see it; not found otherwise. */
export async function findVisibleTicketOrder(
  db: Db,
  ticketId: string,
  scope: OrderScope,
  options: { lock?: boolean } = {},
): Promise<Order> {
  const row = await findTicketOrder(db, ticketId, options);
  if (!row || !isOrderVisible(row, scope)) throw ticketNotFound(ticketId);
  return row;
}

export function ticketNotFound(ticketId: string): AppError {
  return new AppError("not_found", `no maintenance request has ticket ${ticketId}`, { ticketId });
}

export async function orderMachineIds(db: Db, orderId: string): Promise<string[]> {
  const rows = await db
    .select({ machineId: orderDevices.machineId })
    .from(orderDevices)
    .where(eq(orderDevices.orderId, orderId));
  return rows.map((r) => r.machineId);
}
