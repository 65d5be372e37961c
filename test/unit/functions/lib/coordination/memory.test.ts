import { beforeEach, describe, expect, it } from "vitest";
import { MemoryCoordination } from "../../../../../functions/lib/coordination/memory.ts";
import { ManualClock } from "../../../../../shared/clock.ts";
import {
  type ContractHarness,
  defineCoordinationContract,
} from "../../../../support/coordination-contract.ts";

describe("MemoryCoordination contract (ManualClock)", () => {
  let current: ContractHarness;
  beforeEach(() => {
    const clock = new ManualClock();
    current = {
      coordination: new MemoryCoordination(clock),
      advance: async (ms) => clock.advance(ms),
      ttlMs: 30_000,
    };
  });
  defineCoordinationContract(() => current);
});

describe("MemoryCoordination memory bounds", () => {
  it("sweeps expired entries so memory does not grow with dead keys", async () => {
    const clock = new ManualClock();
    const c = new MemoryCoordination(clock);
    for (let i = 0; i < 900; i++) await c.acquireLock(`lock-${i}`, 1000);
    expect(c.entryCount).toBe(900);
    clock.advance(5000);
    // The next writes cross the sweep threshold and drop the 900 dead locks.
    for (let i = 0; i < 200; i++) await c.rateLimit(`rl-${i}`, 10, 60_000);
    expect(c.entryCount).toBeLessThanOrEqual(200);
  });

  it("evicts the oldest cache entries beyond maxCacheEntries, never locks", async () => {
    const clock = new ManualClock();
    const c = new MemoryCoordination(clock, { maxCacheEntries: 3 });
    const lock = await c.acquireLock("held", 60_000);
    for (const k of ["a", "b", "c", "d"]) await c.cacheSet(k, k, 60_000);
    expect(await c.cacheGet("a")).toBeNull();
    expect(await c.cacheGet("d")).toBe("d");
    expect(await c.acquireLock("held", 60_000)).toBeNull();
    expect(await c.releaseLock(lock!)).toBe(true);
  });

  it("hands out copies, so callers cannot mutate cached values or results", async () => {
    const c = new MemoryCoordination(new ManualClock());
    const value = { list: [1] };
    await c.cacheSet("k", value, 1000);
    value.list.push(2);
    const read = await c.cacheGet<{ list: number[] }>("k");
    expect(read).toEqual({ list: [1] });
    read!.list.push(3);
    expect(await c.cacheGet("k")).toEqual({ list: [1] });
  });
});
