/** When an idle marker may answer "nothing to do", and when it must send the job to Postgres. */
import { describe, expect, it } from "vitest";
import {
  freshMarker,
  IDLE_MARKER_MAX_AGE_MS,
  type IdleView,
  markerCheck,
  readWorkToken,
  rememberIdle,
} from "../../../../functions/jobs/idle.ts";
import { MemoryCoordination } from "../../../../functions/lib/coordination/memory.ts";
import { markWorkChanged } from "../../../../functions/lib/coordination/work-token.ts";
import { DEFAULT_POLICY } from "../../../../functions/policy.ts";
import { ManualClock } from "../../../../shared/clock.ts";
import { createMemoryLogger } from "../../../../shared/logger.ts";

const NOW = Date.UTC(2026, 0, 10, 12, 0, 0);
const view = (token: string | null, now = NOW): IdleView => ({
  now: new Date(now),
  token,
  policy: DEFAULT_POLICY,
});

describe("idle markers", () => {
  it("accepts a fresh marker whose token is the current one, or that depends on time alone", () => {
    expect(freshMarker({ at: NOW - 1000, token: "t1", open: 0 }, view("t1"))).toMatchObject({ open: 0 });
    expect(freshMarker({ at: NOW - 1000, token: null }, view(null))).not.toBeNull();
    // a fact about time alone carries its own end (a day, a deadline), so it does not age
    expect(freshMarker({ at: NOW - 2 * IDLE_MARKER_MAX_AGE_MS, token: null }, view(null))).not.toBeNull();
  });

  it("sends the job to Postgres for a missing, foreign, stale or future marker", () => {
    expect(freshMarker(null, view("t1"))).toBeNull();
    expect(freshMarker("junk", view("t1"))).toBeNull();
    expect(freshMarker({ at: NOW - 1000, token: "t1" }, view("t2"))).toBeNull();
    // the token lapsed or was never written: nothing proves that nothing was written since
    expect(freshMarker({ at: NOW - 1000, token: "t1" }, view(null))).toBeNull();
    expect(freshMarker({ at: NOW - IDLE_MARKER_MAX_AGE_MS, token: "t1" }, view("t1"))).toBeNull();
    expect(freshMarker({ at: NOW + 1000, token: null }, view(null))).toBeNull();
  });

  it("is written with the token read before the look, so a write during the look makes it void", async () => {
    const clock = new ManualClock(NOW);
    const coordination = new MemoryCoordination(clock, { soleReplica: true });
    const ctx = { coordination, clock, logger: createMemoryLogger("error") };
    const check = markerCheck("some-job", (marker) => marker.open === 0);
    const token = await readWorkToken(ctx);
    expect(token).toEqual(expect.any(String)); // made on first use
    await markWorkChanged(coordination, ctx.logger); // a write lands while the job looks
    await rememberIdle(ctx, "some-job", { open: 0 }, token);
    const current = await readWorkToken(ctx);
    const stored = await coordination.cacheGet(check.key(view(current))!);
    expect(check.idle(stored, view(current))).toBe(false);
    // the next look, with nothing written meanwhile, is believed
    await rememberIdle(ctx, "some-job", { open: 0 }, current);
    expect(check.idle(await coordination.cacheGet(check.key(view(current))!), view(current))).toBe(true);
  });

  it("keeps no marker where the store is not shared by every replica", async () => {
    const clock = new ManualClock(NOW);
    const coordination = new MemoryCoordination(clock);
    const ctx = { coordination, clock, logger: createMemoryLogger("error") };
    expect(await readWorkToken(ctx)).toBeNull();
    await rememberIdle(ctx, "some-job", { open: 0 }, "time-only");
    expect(await coordination.cacheGet("jobs:idle:some-job")).toBeNull();
  });
});
