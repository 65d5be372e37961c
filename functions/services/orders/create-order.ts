/**
 * A manual order: a person asks for machines to enter a pool, leave it, or be
 * taken out for maintenance. It starts pending and waits for approval.
 *
 * Checked before anything is written: the action is one a person may ask
 * for, entry and exit name a pool of a live cluster in the caller's scope,
 * and each machine suits the action (order-machines.ts) and is in no other
 * open order (open-orders.ts); refusals are 400s naming the field or 409s
 * naming the machine. The order, its devices, its audit row (`order.create`)
 * and its order.created notification commit in one transaction.
 */
import { AppError } from "../../lib/errors.ts";
import { recordAudit } from "../audit/record-audit.ts";
import type { ServiceCall } from "../context.ts";
import { mapDbError } from "../db-errors.ts";
import { assertClusterInScope, findTargetPool } from "../machines/machine-lookup.ts";
import { assertNotInOpenOrder } from "./open-orders.ts";
import { notifyOrder, orderAudit } from "./order-events.ts";
import {
  checkText,
  type MaintenanceWindowInput,
  ORDER_REASON_MAX,
  parseWindow,
  resolveMachines,
  TICKET_ID_MAX,
} from "./order-input.ts";
import {
  assertEntryMachines,
  assertExitMachines,
  lockMachines,
  MANUAL_ORDER_ACTIONS,
  type ManualOrderAction,
  maintenancePlace,
} from "./order-machines.ts";
import type { OrderScope, OrderView } from "./order-view.ts";
import { insertOrder } from "./order-write.ts";
import { TICKET_CONSTRAINT } from "./ticket-orders.ts";

export interface CreateOrderInput {
  action: ManualOrderAction;
  clusterId?: string | undefined;
  poolId?: string | undefined;
  /** ids or hostnames */
  machineIds: string[];
  reason?: string | undefined;
  maintenanceWindow?: MaintenanceWindowInput | undefined;
  externalTicketId?: string | undefined;
  scopeClusterId: OrderScope;
}

export async function createOrder({ ctx, input }: ServiceCall<CreateOrderInput>): Promise<OrderView> {
  if (!(MANUAL_ORDER_ACTIONS as readonly string[]).includes(input.action)) {
    throw new AppError(
      "validation_failed",
      `action: must be one of ${MANUAL_ORDER_ACTIONS.join(", ")} (uncordon orders come from completed maintenance)`,
      { path: "action" },
    );
  }
  checkText("reason", input.reason, ORDER_REASON_MAX);
  checkText("externalTicketId", input.externalTicketId, TICKET_ID_MAX);
  const window = parseWindow(input.maintenanceWindow);
  const target = targetOf(input);
  if (target) assertClusterInScope(input.scopeClusterId, target.clusterId);
  const machineIds = await resolveMachines(ctx, input.machineIds, input.scopeClusterId);
  const now = ctx.clock.now();
  try {
    return await ctx.db.transaction(async (tx) => {
      const pool = target ? await findTargetPool(tx, target.clusterId, target.poolId, { lock: true }) : null;
      const rows = await lockMachines(tx, machineIds, input.scopeClusterId);
      let place = { clusterId: target?.clusterId ?? null, poolId: target?.poolId ?? null };
      if (input.action === "pool_entry") await assertEntryMachines(tx, pool!, rows);
      else if (input.action === "pool_exit") assertExitMachines(pool!.id, rows);
      else place = maintenanceOrderPlace(input, rows);
      await assertNotInOpenOrder(tx, machineIds);
      const { order } = await insertOrder(tx, {
        order: {
          ...place,
          action: input.action,
          reason: input.reason ?? null,
          createdBy: ctx.actor,
          externalTicketId: input.externalTicketId ?? null,
          ...window,
        },
        machineIds,
        now,
      });
      await recordAudit(tx, ctx, orderAudit("order.create", order, { machineIds, reason: order.reason }));
      return notifyOrder(tx, "order.created", order, now);
    });
  } catch (err) {
    throw ticketTaken(err, input.externalTicketId);
  }
}

/** Entry and exit orders name their pool; 400 naming the missing field otherwise. */
function targetOf(input: CreateOrderInput): { clusterId: string; poolId: string } | null {
  if (input.action === "maintenance") return null;
  for (const field of ["clusterId", "poolId"] as const) {
    if (!input[field]) {
      throw new AppError("validation_failed", `${field}: a ${input.action} order names its pool`, {
        path: field,
      });
    }
  }
  return { clusterId: input.clusterId!, poolId: input.poolId! };
}

/** A maintenance order is its machines' cluster's (and pool's); a cluster or pool named must agree. */
function maintenanceOrderPlace(input: CreateOrderInput, rows: Parameters<typeof maintenancePlace>[0]) {
  const place = maintenancePlace(rows);
  for (const field of ["clusterId", "poolId"] as const) {
    const named = input[field];
    if (named !== undefined && named !== place[field]) {
      const stray = rows.find((m) => m[field] !== named)!;
      throw new AppError(
        "conflict",
        `machine ${stray.hostname} is not in the ${field.slice(0, -2)} the order names`,
        {
          machineId: stray.id,
          [field]: named,
        },
      );
    }
  }
  return place;
}

function ticketTaken(err: unknown, ticket: string | undefined): unknown {
  const mapped = mapDbError(err);
  if (mapped?.details?.constraint === TICKET_CONSTRAINT) {
    return new AppError("conflict", `external ticket ${ticket} already has an order of this action`, {
      externalTicketId: ticket,
      constraint: TICKET_CONSTRAINT,
    });
  }
  return err;
}
