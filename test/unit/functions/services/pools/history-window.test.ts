/**
 * The history window: defaults, refusals, and the bucket size that keeps a
 * series within MAX_HISTORY_POINTS, aligned to the epoch.
 */
import { describe, expect, it } from "vitest";
import { isAppError } from "../../../../../functions/lib/errors.ts";
import {
  BUCKET_LADDER_SECONDS,
  bucketCount,
  bucketSecondsFor,
  bucketStart,
  DEFAULT_HISTORY_WINDOW_MS,
  MAX_HISTORY_POINTS,
  MAX_HISTORY_WINDOW_MS,
  resolveHistoryWindow,
} from "../../../../../functions/services/pools/history-window.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const now = new Date(Date.UTC(2026, 0, 10, 12, 0, 0));
const at = (offsetMs: number) => new Date(now.getTime() + offsetMs);

function refusal(input: Parameters<typeof resolveHistoryWindow>[0]) {
  try {
    resolveHistoryWindow(input);
  } catch (err) {
    if (isAppError(err)) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error("expected a refusal");
}

describe("resolveHistoryWindow", () => {
  it("defaults to the last 24 hours, in 5-minute buckets", () => {
    expect(resolveHistoryWindow({ now })).toEqual({ since: at(-DAY), until: now, bucketSeconds: 300 });
    expect(DEFAULT_HISTORY_WINDOW_MS).toBe(DAY);
  });

  it("takes 24 hours before until when only until is given, and now as until when only since is", () => {
    expect(resolveHistoryWindow({ now, until: at(-DAY) })).toMatchObject({
      since: at(-2 * DAY),
      until: at(-DAY),
    });
    expect(resolveHistoryWindow({ now, since: at(-HOUR) })).toMatchObject({ since: at(-HOUR), until: now });
  });

  it("refuses an empty, reversed or too long window with validation_failed", () => {
    expect(refusal({ now, since: now, until: now })).toEqual({
      code: "validation_failed",
      message: "since must be before until",
    });
    expect(refusal({ now, since: at(HOUR), until: now }).code).toBe("validation_failed");
    // only since, in the future: until defaults to now, before it
    expect(refusal({ now, since: at(HOUR) }).code).toBe("validation_failed");
    expect(refusal({ now, since: at(-MAX_HISTORY_WINDOW_MS - 1) })).toEqual({
      code: "validation_failed",
      message: "the window from since to until must be at most 31 days",
    });
  });

  it("accepts exactly the longest window, in 3-hour buckets", () => {
    const window = resolveHistoryWindow({ now, since: at(-MAX_HISTORY_WINDOW_MS) });
    expect(window.bucketSeconds).toBe(10_800);
    expect(bucketCount(window.since, window.until, window.bucketSeconds)).toBe(248);
  });
});

describe("bucketing", () => {
  it("counts the epoch-aligned buckets a half-open window touches", () => {
    const start = new Date(Date.UTC(2026, 0, 10, 12, 0, 0));
    expect(bucketCount(start, new Date(start.getTime() + 300_000), 300)).toBe(1);
    expect(bucketCount(start, new Date(start.getTime() + 300_001), 300)).toBe(2);
    // a window not on a boundary touches one bucket more than its length suggests
    expect(bucketCount(new Date(start.getTime() + 1), new Date(start.getTime() + 300_001), 300)).toBe(2);
  });

  it("picks the smallest bucket of the ladder that keeps the points within the bound", () => {
    const cases: [number, number][] = [
      [HOUR, 300],
      [DAY, 300], // 288 points
      [DAY + 90 * 60_000, 600], // 306 five-minute buckets would be too many
      [3 * DAY, 900],
      [7 * DAY, 3_600],
      [14 * DAY, 7_200],
      [31 * DAY, 10_800],
    ];
    for (const [length, expected] of cases) {
      expect(bucketSecondsFor(at(-length), now), `${length / HOUR} h`).toBe(expected);
    }
  });

  it("never exceeds MAX_HISTORY_POINTS for any window up to the longest, however it is aligned", () => {
    for (let length = 60_000; length <= MAX_HISTORY_WINDOW_MS; length += 7 * HOUR + 12_345) {
      for (const shift of [0, 1, 150_000, 299_999]) {
        const until = at(shift);
        const since = new Date(until.getTime() - length);
        const size = bucketSecondsFor(since, until);
        expect(BUCKET_LADDER_SECONDS).toContain(size);
        expect(bucketCount(since, until, size)).toBeLessThanOrEqual(MAX_HISTORY_POINTS);
      }
    }
  });

  it("starts bucket n at n times its size after the epoch", () => {
    expect(bucketStart(0, 300).toISOString()).toBe("1970-01-01T00:00:00.000Z");
    expect(bucketStart(now.getTime() / 300_000, 300)).toEqual(now);
    expect(bucketStart(Math.floor(now.getTime() / 10_800_000), 10_800).toISOString()).toBe(
      "2026-01-10T12:00:00.000Z",
    );
  });
});
