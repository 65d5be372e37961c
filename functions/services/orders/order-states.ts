/**
 * The order lifecycle. Every status change goes through `transitionOrder`
 * (order-write.ts) as a guarded UPDATE, so two people approving, or a person
 * ignoring while the executor completes, can never both win.
 *
 *   pending → processing → completed | failed
 *   pending → cancelled | ignored
 *   processing → maintenance_in_progress → completed | failed   (maintenance orders only)
 */
import type { OrderAction, OrderStatus } from "../../../drizzle/schema/index.ts";
import { AppError } from "../../lib/errors.ts";

export const ORDER_TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  pending: ["processing", "cancelled", "ignored"],
  processing: ["completed", "failed", "maintenance_in_progress"],
  maintenance_in_progress: ["completed", "failed"],
  completed: [],
  failed: [],
  cancelled: [],
  ignored: [],
};

/** Orders still open: their machines are spoken for. */
export const OPEN_ORDER_STATUSES: readonly OrderStatus[] = [
  "pending",
  "processing",
  "maintenance_in_progress",
];

/** Orders that start a strategy's cooldown: everything but a cancelled one (ignored ones included). */
export const COOLDOWN_ORDER_STATUSES: readonly OrderStatus[] = [
  "pending",
  "processing",
  "maintenance_in_progress",
  "completed",
  "failed",
  "ignored",
];

export function canTransitionOrder(action: OrderAction, from: OrderStatus, to: OrderStatus): boolean {
  if (to === "maintenance_in_progress" && action !== "maintenance") return false;
  return ORDER_TRANSITIONS[from].includes(to);
}

export function assertOrderTransition(action: OrderAction, from: OrderStatus, to: OrderStatus): void {
  if (!canTransitionOrder(action, from, to)) {
    throw new AppError("illegal_transition", `a ${action} order cannot go from ${from} to ${to}`, {
      from,
      to,
      allowedFrom: (Object.keys(ORDER_TRANSITIONS) as OrderStatus[]).filter((s) =>
        canTransitionOrder(action, s, to),
      ),
    });
  }
}
