/**
 * A strategy waits `cooldownDays` after the latest capacity order for the
 * pool (its own or anyone's; ignored orders count, cancelled ones do not:
 * COOLDOWN_ORDER_STATUSES) before it orders again. Counted in whole UTC
 * days from the order's day to the run's day, so every delivery of one
 * run's message decides the same way: an order on the 8th with a 3-day
 * cooldown holds on the 9th and 10th and lets go on the 11th.
 */
import { daysBetween } from "./days.ts";

/** Days of cooldown left on `runDay`; 0 when the strategy may order. */
export function cooldownDaysLeft(
  latestOrderDay: string | null,
  runDay: string,
  cooldownDays: number,
): number {
  if (latestOrderDay === null || cooldownDays <= 0) return 0;
  return Math.max(0, cooldownDays - daysBetween(latestOrderDay, runDay));
}
