/**
 * One behavioural contract for every Coordination implementation: the memory
 * one runs it against a ManualClock (unit tier), the Upstash one against real
 * Redis through the REST bridge in real time (integration tier).
 */
import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import type { Coordination } from "../../functions/lib/coordination/types.ts";
import { isAppError } from "../../functions/lib/errors.ts";

export interface ContractHarness {
  coordination: Coordination;
  /** Lets `ms` of time pass for TTL purposes (moves a ManualClock, or sleeps). */
  advance(ms: number): Promise<void>;
  /** Base TTL; small for real time, any size for a manual clock. */
  ttlMs: number;
}

export function defineCoordinationContract(harness: () => ContractHarness): void {
  const key = (name: string) => `${name}:${randomUUID()}`;

  it("lets only one contender hold a lock, and hands it over after release", async () => {
    const { coordination: c, ttlMs } = harness();
    const k = key("lock");
    const a = await c.acquireLock(k, ttlMs * 10);
    expect(a).not.toBeNull();
    expect(await c.acquireLock(k, ttlMs * 10)).toBeNull();
    expect(await c.releaseLock(a!)).toBe(true);
    expect(await c.releaseLock(a!)).toBe(false);
    const b = await c.acquireLock(k, ttlMs * 10);
    expect(b?.token).toBeDefined();
    expect(b?.token).not.toBe(a?.token);
  });

  it("grants a lock to exactly one of 20 parallel contenders", async () => {
    const { coordination: c, ttlMs } = harness();
    const k = key("race");
    const results = await Promise.all(Array.from({ length: 20 }, () => c.acquireLock(k, ttlMs * 10)));
    expect(results.filter((r) => r !== null)).toHaveLength(1);
  });

  it("keeps an expired owner from renewing or releasing the new owner's lock", async () => {
    const { coordination: c, ttlMs, advance } = harness();
    const k = key("expired");
    const stale = await c.acquireLock(k, ttlMs);
    expect(stale).not.toBeNull();
    await advance(ttlMs * 1.5);
    const fresh = await c.acquireLock(k, ttlMs * 10);
    expect(fresh).not.toBeNull();
    expect(await c.renewLock(stale!, ttlMs * 10)).toBe(false);
    expect(await c.releaseLock(stale!)).toBe(false);
    expect(await c.acquireLock(k, ttlMs)).toBeNull();
    expect(await c.releaseLock(fresh!)).toBe(true);
  });

  it("extends a lock on renew", async () => {
    const { coordination: c, ttlMs, advance } = harness();
    const k = key("renew");
    const lock = await c.acquireLock(k, ttlMs);
    const firstExpiry = lock!.expiresAt;
    await advance(ttlMs * 0.6);
    expect(await c.renewLock(lock!, ttlMs)).toBe(true);
    expect(lock!.expiresAt).toBeGreaterThan(firstExpiry);
    await advance(ttlMs * 0.6); // past the original TTL, inside the renewed one
    expect(await c.acquireLock(k, ttlMs)).toBeNull();
    await advance(ttlMs * 1.5);
    expect(await c.renewLock(lock!, ttlMs)).toBe(false);
    expect(await c.acquireLock(k, ttlMs)).not.toBeNull();
  });

  it("caches values of any JSON type until their TTL passes", async () => {
    const { coordination: c, ttlMs, advance } = harness();
    const obj = key("obj");
    const str = key("str");
    const num = key("num");
    await c.cacheSet(obj, { pools: ["a", "b"], n: 2, nested: { ok: true } }, ttlMs);
    await c.cacheSet(str, "123", ttlMs * 10);
    await c.cacheSet(num, 42, ttlMs * 10);
    expect(await c.cacheGet(obj)).toEqual({ pools: ["a", "b"], n: 2, nested: { ok: true } });
    expect(await c.cacheGet(str)).toBe("123");
    expect(await c.cacheGet(num)).toBe(42);
    expect(await c.cacheGet(key("missing"))).toBeNull();
    await advance(ttlMs * 1.5);
    expect(await c.cacheGet(obj)).toBeNull();
    expect(await c.cacheGet(str)).toBe("123");
    await c.cacheDelete(str);
    expect(await c.cacheGet(str)).toBeNull();
  });

  it("reads several cache entries at once, null where absent, in the order asked", async () => {
    const { coordination: c, ttlMs } = harness();
    const [a, b, missing] = [key("many-a"), key("many-b"), key("many-missing")];
    await c.cacheSet(a, { clusterId: "c1" }, ttlMs * 10);
    await c.cacheSet(b, 7, ttlMs * 10);
    expect(await c.cacheGetMany([b, missing, a])).toEqual([7, null, { clusterId: "c1" }]);
    expect(await c.cacheGetMany([])).toEqual([]);
  });

  it("reads several cache entries and counts one rate-window hit together", async () => {
    const { coordination: c, ttlMs } = harness();
    const [a, rate] = [key("counted-a"), key("counted-rate")];
    await c.cacheSet(a, "x", ttlMs * 10);
    const windowMs = ttlMs * 10;
    const first = await c.cacheGetManyCounted([a, key("counted-missing")], { key: rate, limit: 2, windowMs });
    expect(first).toEqual({ values: ["x", null], rate: { allowed: true, remaining: 1, retryAfterMs: 0 } });
    // the same window as rateLimit on that key
    expect((await c.rateLimit(rate, 2, windowMs)).remaining).toBe(0);
    const refused = await c.cacheGetManyCounted([a], { key: rate, limit: 2, windowMs });
    expect(refused.values).toEqual(["x"]);
    expect(refused.rate.allowed).toBe(false);
    expect(refused.rate.retryAfterMs).toBeGreaterThan(0);
  });

  it("raises a number only upwards, whatever order the writers come in", async () => {
    const { coordination: c, ttlMs } = harness();
    const k = key("raise");
    await c.cacheRaise(k, 5, ttlMs * 10);
    await c.cacheRaise(k, 3, ttlMs * 10);
    expect(await c.cacheGet(k)).toBe(5);
    await c.cacheRaise(k, 6, ttlMs * 10);
    expect(await c.cacheGet(k)).toBe(6);
    // anything but a number is replaced
    const s = key("raise-str");
    await c.cacheSet(s, "junk", ttlMs * 10);
    await c.cacheRaise(s, 1, ttlMs * 10);
    expect(await c.cacheGet(s)).toBe(1);
  });

  it("allows `limit` hits per window, then refuses with a retry-after", async () => {
    const { coordination: c, ttlMs, advance } = harness();
    const k = key("rate");
    const windowMs = ttlMs * 2;
    const hits = [];
    for (let i = 0; i < 4; i++) hits.push(await c.rateLimit(k, 3, windowMs));
    expect(hits.map((h) => h.allowed)).toEqual([true, true, true, false]);
    expect(hits.map((h) => h.remaining)).toEqual([2, 1, 0, 0]);
    expect(hits[0]?.retryAfterMs).toBe(0);
    expect(hits[3]?.retryAfterMs).toBeGreaterThan(0);
    expect(hits[3]?.retryAfterMs).toBeLessThanOrEqual(windowMs);
    expect((await c.rateLimit(key("other"), 3, windowMs)).allowed).toBe(true);
    await advance(windowMs * 1.25);
    expect(await c.rateLimit(k, 3, windowMs)).toMatchObject({ allowed: true, remaining: 2 });
  });

  it("walks idempotency through new, in_progress and done with the stored result", async () => {
    const { coordination: c, ttlMs } = harness();
    const k = key("idem");
    expect(await c.idempotencyBegin(k, ttlMs * 10)).toEqual({ state: "new" });
    expect(await c.idempotencyBegin(k, ttlMs * 10)).toEqual({ state: "in_progress" });
    await c.idempotencyComplete(k, { machineIds: ["m1", "m2"], status: 201 }, ttlMs * 10);
    const done = { state: "done", result: { machineIds: ["m1", "m2"], status: 201 } };
    expect(await c.idempotencyBegin(k, ttlMs * 10)).toEqual(done);
    await c.idempotencyAbandon(k); // must not erase a finished result
    expect(await c.idempotencyBegin(k, ttlMs * 10)).toEqual(done);
  });

  it("lets an abandoned or expired attempt be retried", async () => {
    const { coordination: c, ttlMs, advance } = harness();
    const k = key("abandon");
    expect(await c.idempotencyBegin(k, ttlMs * 10)).toEqual({ state: "new" });
    await c.idempotencyAbandon(k);
    expect(await c.idempotencyBegin(k, ttlMs)).toEqual({ state: "new" });
    await advance(ttlMs * 1.5); // the worker died without completing or abandoning
    expect(await c.idempotencyBegin(k, ttlMs)).toEqual({ state: "new" });
  });

  it("rejects nonsensical TTLs and limits as bad_request", async () => {
    const { coordination: c } = harness();
    for (const attempt of [
      () => c.acquireLock(key("bad"), 0),
      () => c.cacheSet(key("bad"), 1, -5),
      () => c.rateLimit(key("bad"), 1.5, 1000),
      () => c.idempotencyBegin("", 1000),
    ]) {
      const err = await attempt().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isAppError(err) && err.code).toBe("bad_request");
    }
  });

  it("answers ping", async () => {
    await expect(harness().coordination.ping()).resolves.toBeUndefined();
  });
}
