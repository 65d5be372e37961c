/**
 * The time window of a pool's history and the bucket size that keeps its
 * answer small. Buckets are aligned to the Unix epoch (a bucket starts at a
 * multiple of its size, in UTC), not to `since`: a chart that polls with a
 * sliding "last 24 h" then keeps its buckets, and a point does not change
 * value merely because the window moved.
 */
import { AppError } from "../../lib/errors.ts";

export const DEFAULT_HISTORY_WINDOW_MS = 24 * 3_600_000;
/** The longest window one request may ask for; the samples are kept for the retention period (90 days by default). */
export const MAX_HISTORY_WINDOW_MS = 31 * 86_400_000;
/** Points per series at most. */
export const MAX_HISTORY_POINTS = 300;
/**
 * The bucket sizes, in seconds, smallest first: whole minutes, hours and a
 * day, so bucket starts read well on an axis. The smallest is the sampling
 * interval (jobs/sample-pool-status.ts): a smaller bucket would hold no sample.
 */
export const BUCKET_LADDER_SECONDS = [
  300, 600, 900, 1_800, 3_600, 7_200, 10_800, 21_600, 43_200, 86_400,
] as const;
const LARGEST_BUCKET_SECONDS = 86_400;

export interface HistoryWindow {
  /** inclusive */
  since: Date;
  /** exclusive */
  until: Date;
  bucketSeconds: number;
}

/** How many epoch-aligned buckets of `bucketSeconds` the half-open window [since, until) touches. */
export function bucketCount(since: Date, until: Date, bucketSeconds: number): number {
  const ms = bucketSeconds * 1000;
  return Math.floor((until.getTime() - 1) / ms) - Math.floor(since.getTime() / ms) + 1;
}

/** The smallest bucket of the ladder that keeps the window within MAX_HISTORY_POINTS. */
export function bucketSecondsFor(since: Date, until: Date): number {
  for (const size of BUCKET_LADDER_SECONDS) {
    if (bucketCount(since, until, size) <= MAX_HISTORY_POINTS) return size;
  }
  // unreachable within MAX_HISTORY_WINDOW_MS; a safe answer all the same
  return LARGEST_BUCKET_SECONDS;
}

/** The start of the bucket `index` (epoch seconds divided by the bucket size). */
export const bucketStart = (index: number, bucketSeconds: number) => new Date(index * bucketSeconds * 1000);

/**
 * Fills in the defaults (until: now; since: 24 h before until) and refuses a
 * window that is empty, reversed or longer than MAX_HISTORY_WINDOW_MS with a
 * 400 validation_failed.
 */
export function resolveHistoryWindow(input: { since?: Date; until?: Date; now: Date }): HistoryWindow {
  const until = input.until ?? input.now;
  const since = input.since ?? new Date(until.getTime() - DEFAULT_HISTORY_WINDOW_MS);
  const details = { since: since.toISOString(), until: until.toISOString() };
  if (since.getTime() >= until.getTime()) {
    throw new AppError("validation_failed", "since must be before until", details);
  }
  if (until.getTime() - since.getTime() > MAX_HISTORY_WINDOW_MS) {
    throw new AppError(
      "validation_failed",
      `the window from since to until must be at most ${MAX_HISTORY_WINDOW_MS / 86_400_000} days`,
      { ...details, maxDays: MAX_HISTORY_WINDOW_MS / 86_400_000 },
    );
  }
  return { since, until, bucketSeconds: bucketSecondsFor(since, until) };
}
