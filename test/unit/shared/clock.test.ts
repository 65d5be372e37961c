import { describe, expect, it } from "vitest";
import { ManualClock, systemClock } from "../../../shared/clock.ts";

describe("systemClock", () => {
  it("reads the current time", () => {
    const before = Date.now();
    const now = systemClock.now().getTime();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });
});

describe("ManualClock", () => {
  it("starts where told (2026-01-01 by default) and moves only when advanced", () => {
    expect(new ManualClock().now().toISOString()).toBe("2026-01-01T00:00:00.000Z");
    const clock = new ManualClock(new Date("2026-03-01T00:00:00Z"));
    expect(clock.now().toISOString()).toBe("2026-03-01T00:00:00.000Z");
    clock.advance(90_000);
    expect(clock.now().toISOString()).toBe("2026-03-01T00:01:30.000Z");
    expect(new ManualClock(0).now().getTime()).toBe(0);
  });

  it("hands out a new Date each time, so a caller cannot move it by mutating one", () => {
    const clock = new ManualClock(1000);
    clock.now().setTime(5);
    expect(clock.now().getTime()).toBe(1000);
  });
});
