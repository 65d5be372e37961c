/**
 * An external system asks for a machine to be taken out for maintenance
 * (POST /v1/maintenance-requests): a pending `maintenance` order for that
 * machine, keyed by the system's ticket id, for a person to approve.
 *
 * Idempotent by ticket: the same ticket for the same machine answers the
 * order made the first time (created: false), even when two such requests
 * race (the unique ticket index lets one insert; the other finds it); the
 * same ticket for another machine is a 409. The machine must not be
 * archived nor in another open order (409 naming it). The order, its device,
 * its audit row (`maintenance_request.create`) and its order.created
 * notification commit together.
 */
import { AppError } from "../../lib/errors.ts";
import { recordAudit } from "../audit/record-audit.ts";
import type { ServiceCall, ServiceContext } from "../context.ts";
import { mapDbError } from "../db-errors.ts";
import { resolveMachineRef } from "../refs/resolve-refs.ts";
import { assertNotInOpenOrder } from "./open-orders.ts";
import { notifyOrder, orderAudit } from "./order-events.ts";
import {
  checkText,
  type MaintenanceWindowInput,
  ORDER_REASON_MAX,
  parseWindow,
  TICKET_ID_MAX,
} from "./order-input.ts";
import { lockMachines, maintenancePlace } from "./order-machines.ts";
import { isOrderVisible, type OrderScope, type OrderView, orderView } from "./order-view.ts";
import { insertOrder } from "./order-write.ts";
import { findTicketOrder, orderMachineIds, TICKET_CONSTRAINT } from "./ticket-orders.ts";

export interface RequestMaintenanceInput {
  /** id or hostname */
  machineId: string;
  ticketId: string;
  reason?: string | undefined;
  maintenanceWindow?: MaintenanceWindowInput | undefined;
  scopeClusterId: OrderScope;
}

export interface MaintenanceRequestResult {
  order: OrderView;
  /** false: the ticket's order already existed (a repeated request) */
  created: boolean;
}

export async function requestMaintenance({
  ctx,
  input,
}: ServiceCall<RequestMaintenanceInput>): Promise<MaintenanceRequestResult> {
  if (input.ticketId.trim() === "" || input.ticketId.length > TICKET_ID_MAX) {
    throw new AppError("validation_failed", `ticketId: must be 1-${TICKET_ID_MAX} characters and not blank`, {
      path: "ticketId",
    });
  }
  checkText("reason", input.reason, ORDER_REASON_MAX);
  parseWindow(input.maintenanceWindow);
  const machineId = await resolveMachineRef(ctx, input.machineId, input.scopeClusterId);
  const repeat = await repeatedRequest(ctx, input, machineId);
  if (repeat) return repeat;
  let order: OrderView | null;
  try {
    order = await insertRequest(ctx, input, machineId);
  } catch (err) {
    // a request with the same ticket for another machine inserted first
    if (mapDbError(err)?.details?.constraint !== TICKET_CONSTRAINT) throw err;
    order = null;
  }
  if (order) return { order, created: true };
  const winner = await repeatedRequest(ctx, input, machineId);
  if (!winner) throw new Error(`ticket ${input.ticketId} was taken and then vanished`);
  return winner;
}

/** The new order; null when a concurrent request for the same ticket got there first. */
async function insertRequest(
  ctx: ServiceContext,
  input: RequestMaintenanceInput,
  machineId: string,
): Promise<OrderView | null> {
  const window = parseWindow(input.maintenanceWindow);
  const now = ctx.clock.now();
  return ctx.db.transaction(async (tx) => {
    const rows = await lockMachines(tx, [machineId], input.scopeClusterId);
    // a request for the same machine held the lock: once it commits, its ticket is visible here
    if (await findTicketOrder(tx, input.ticketId)) return null;
    const place = maintenancePlace(rows);
    await assertNotInOpenOrder(tx, [machineId]);
    const { order } = await insertOrder(tx, {
      order: {
        ...place,
        action: "maintenance",
        reason: input.reason ?? null,
        createdBy: ctx.actor,
        externalTicketId: input.ticketId,
        ...window,
      },
      machineIds: [machineId],
      now,
    });
    await recordAudit(
      tx,
      ctx,
      orderAudit("maintenance_request.create", order, { ticketId: input.ticketId, machineId }),
    );
    return notifyOrder(tx, "order.created", order, now);
  });
}

/** The ticket's existing order when it is for this machine; 409 when for another; null when none. */
async function repeatedRequest(
  ctx: ServiceContext,
  input: RequestMaintenanceInput,
  machineId: string,
): Promise<MaintenanceRequestResult | null> {
  const existing = await findTicketOrder(ctx.db, input.ticketId);
  if (!existing) return null;
  if (!isOrderVisible(existing, input.scopeClusterId)) {
    // another cluster's ticket: say it is taken, nothing about it
    throw new AppError("conflict", `ticket ${input.ticketId} is already in use`, {
      ticketId: input.ticketId,
    });
  }
  const machineIds = await orderMachineIds(ctx.db, existing.id);
  if (machineIds.length !== 1 || machineIds[0] !== machineId) {
    throw new AppError(
      "conflict",
      `ticket ${input.ticketId} already has maintenance order ${existing.number} for another machine`,
      { ticketId: input.ticketId, orderId: existing.id, orderNumber: existing.number, machineIds },
    );
  }
  return { order: await orderView(ctx.db, existing), created: false };
}
