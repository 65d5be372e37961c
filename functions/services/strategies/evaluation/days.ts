/**
 * UTC calendar days as "YYYY-MM-DD" keys: daily snapshots are stamped with
 * their day's 00:00 UTC, a strategy run is keyed by its day, and cooldown
 * counts whole days. Plain strings compare and sort in day order.
 */

const DAY_MS = 86_400_000;

/** The UTC day an instant falls on. */
export function dayOf(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** 00:00 UTC of the day. */
export function dayStart(day: string): Date {
  return new Date(`${day}T00:00:00.000Z`);
}

export function addDays(day: string, days: number): string {
  return dayOf(new Date(dayStart(day).getTime() + days * DAY_MS));
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return Math.round((dayStart(to).getTime() - dayStart(from).getTime()) / DAY_MS);
}
