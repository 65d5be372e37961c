/**
 * The external system reports that maintenance is over
 * (POST /v1/maintenance-requests/{ticketId}/complete, or the signed inbound
 * hook POST /v1/hooks/maintenance-complete).
 *
 * outcome "completed" (the default): the maintenance order completes; its
 * machines that kept their Node (cordoned, nodeName set) return to service
 * through an `uncordon` order (created by "system", parentOrderId the
 * maintenance order, approved and executed at once: maintenance → ready, and
 * the agent uncordons the Node); machines without a Node go maintenance →
 * available. outcome "failed": the order fails with the note as its reason
 * and the machines stay in maintenance for a person to look at.
 *
 * Only an order in maintenance_in_progress can be completed (409 otherwise).
 * A repeat of the same report (hooks are retried) answers the settled order
 * again without changing anything; a different outcome for a settled order
 * is a 409. Everything, with the audit row (`maintenance_request.complete`)
 * and the notifications, commits in one cluster write.
 */
import { eq } from "drizzle-orm";
import type { Db } from "../../../drizzle/client.ts";
import { type Order, orders } from "../../../drizzle/schema/index.ts";
import { AppError } from "../../lib/errors.ts";
import type { ServiceCall, ServiceContext } from "../context.ts";
import { applyTransitions } from "../machines/transition-machine.ts";
import { type ClusterWrite, withClusterWrite } from "../unit-of-work.ts";
import { lockedDevices } from "./advance-order.ts";
import { executeOrder } from "./execute-order.ts";
import { notifyOrder, orderAudit, SYSTEM_ACTOR } from "./order-events.ts";
import { checkText, ORDER_REASON_MAX } from "./order-input.ts";
import { type OrderScope, type OrderView, orderView } from "./order-view.ts";
import { insertOrder, transitionOrder } from "./order-write.ts";
import { findVisibleTicketOrder } from "./ticket-orders.ts";

export const MAINTENANCE_OUTCOMES = ["completed", "failed"] as const;
export type MaintenanceOutcome = (typeof MAINTENANCE_OUTCOMES)[number];

export interface CompleteMaintenanceInput {
  ticketId: string;
  outcome?: MaintenanceOutcome | undefined;
  note?: string | undefined;
  /** absent or null: unscoped (the inbound hook) */
  scopeClusterId?: OrderScope | undefined;
}

export interface MaintenanceCompletion {
  order: OrderView;
  /** the order returning machines with a Node to service; null when there were none */
  uncordonOrder: OrderView | null;
}

export async function completeMaintenance({
  ctx,
  input,
}: ServiceCall<CompleteMaintenanceInput>): Promise<MaintenanceCompletion> {
  const outcome = input.outcome ?? "completed";
  if (!(MAINTENANCE_OUTCOMES as readonly string[]).includes(outcome)) {
    throw new AppError("validation_failed", `outcome: must be one of ${MAINTENANCE_OUTCOMES.join(", ")}`, {
      path: "outcome",
    });
  }
  checkText("note", input.note, ORDER_REASON_MAX);
  return withClusterWrite(ctx, async (tx, write) => {
    const order = await findVisibleTicketOrder(tx, input.ticketId, input.scopeClusterId ?? null, {
      lock: true,
    });
    if (order.status === outcome) return answer(tx, order);
    if (order.status !== "maintenance_in_progress") {
      throw new AppError(
        "illegal_transition",
        `maintenance order ${order.number} is ${order.status}; only one in maintenance_in_progress can be reported ${outcome}`,
        { orderId: order.id, from: order.status, to: outcome, allowedFrom: ["maintenance_in_progress"] },
      );
    }
    const now = ctx.clock.now();
    if (outcome === "failed") {
      const failed = await transitionOrder(tx, {
        order,
        to: "failed",
        patch: {
          completedAt: now,
          failureReason: input.note ?? "maintenance failed (reported by the external system)",
        },
        now,
      });
      await notifyOrder(tx, "order.failed", failed, now);
      write.audit(
        orderAudit("maintenance_request.complete", failed, {
          ticketId: input.ticketId,
          outcome,
          note: input.note ?? null,
        }),
      );
      return answer(tx, failed);
    }
    const returned = await returnMachines(tx, ctx, write, order);
    const completed = await transitionOrder(tx, {
      order,
      to: "completed",
      patch: { completedAt: now, failureReason: null },
      now,
    });
    await notifyOrder(tx, "order.completed", completed, now);
    write.audit(
      orderAudit("maintenance_request.complete", completed, {
        ticketId: input.ticketId,
        outcome,
        note: input.note ?? null,
        toAvailable: returned.toAvailable,
        uncordonOrderId: returned.uncordonOrderId,
      }),
    );
    return answer(tx, completed);
  });
}

/**
 * The order's machines still in maintenance go back: without a Node straight
 * to available; with one through an uncordon order, made and executed here.
 */
async function returnMachines(tx: Db, ctx: ServiceContext, write: ClusterWrite, order: Order) {
  const rows = (await lockedDevices(tx, order.id)).filter(
    (r) => r.device.status === "done" && r.machine.status === "maintenance",
  );
  const bare = rows.filter((r) => r.machine.nodeName === null).map((r) => r.machine);
  const withNode = rows.filter((r) => r.machine.nodeName !== null).map((r) => r.machine);
  await applyTransitions(
    tx,
    ctx,
    bare.map((m) => ({
      machineId: m.id,
      from: "maintenance" as const,
      to: "available" as const,
      expectedVersion: m.version,
      reason: `maintenance ${order.number} completed`,
      metadata: { orderId: order.id, orderNumber: order.number },
    })),
    { write },
  );
  let uncordonOrderId: string | null = null;
  if (withNode.length > 0) {
    const now = ctx.clock.now();
    const { order: uncordon } = await insertOrder(tx, {
      order: {
        clusterId: order.clusterId,
        poolId: order.poolId,
        action: "uncordon",
        reason: `maintenance ${order.number} completed: back into service`,
        createdBy: SYSTEM_ACTOR,
        parentOrderId: order.id,
      },
      machineIds: withNode.map((m) => m.id),
      now,
    });
    await notifyOrder(tx, "order.created", uncordon, now);
    const processing = await transitionOrder(tx, {
      order: uncordon,
      to: "processing",
      patch: { executedBy: SYSTEM_ACTOR, executedAt: now },
      now,
    });
    await executeOrder(tx, ctx, write, processing);
    uncordonOrderId = uncordon.id;
  }
  return { toAvailable: bare.map((m) => m.id), uncordonOrderId };
}

async function answer(tx: Db, order: Order): Promise<MaintenanceCompletion> {
  const [uncordon] = await tx.select().from(orders).where(eq(orders.parentOrderId, order.id));
  return {
    order: await orderView(tx, order),
    uncordonOrder: uncordon ? await orderView(tx, uncordon) : null,
  };
}
