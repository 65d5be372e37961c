/**
 * In-process coordination for the embedded (single-process) deployment.
 * Correct only while one process owns the data: every Worker isolate would
 * have its own copy, so Workers must use upstash.ts instead.
 */
import type { Clock } from "../../../shared/clock.ts";
import {
  assertKey,
  assertPositiveInt,
  type Coordination,
  type CoordinationOptions,
  type IdempotencyState,
  type Lock,
  namespacedKeys,
  newLockToken,
  type RateLimitResult,
} from "./types.ts";

interface Entry<V> {
  value: V;
  expiresAt: number;
}

type IdempotencyRecord = { state: "in_progress" } | { state: "done"; result: unknown };

/** A map whose entries lapse; `sweep` drops the dead ones so memory stays bounded. */
class ExpiringMap<V> {
  readonly #entries = new Map<string, Entry<V>>();

  constructor(
    private readonly clock: Clock,
    private readonly maxEntries: number,
    private readonly onWrite: () => void,
  ) {}

  get(key: string): Entry<V> | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  set(key: string, value: V, ttlMs: number): Entry<V> {
    const entry = { value, expiresAt: this.now() + ttlMs };
    // Re-insert so Map order stays "oldest write first" for eviction.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    if (this.#entries.size > this.maxEntries) this.sweep();
    this.onWrite();
    return entry;
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  get size(): number {
    return this.#entries.size;
  }

  now(): number {
    return this.clock.now().getTime();
  }

  sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt <= now) this.#entries.delete(key);
    }
    // Still over budget with live entries: drop the oldest writes.
    for (const key of this.#entries.keys()) {
      if (this.#entries.size <= this.maxEntries) break;
      this.#entries.delete(key);
    }
  }
}

/** Full sweeps are O(entries), so they run once per this many writes. */
const WRITES_PER_SWEEP = 1000;

export interface MemoryCoordinationOptions extends CoordinationOptions {
  /** Cap on live cache entries; the oldest are evicted beyond it. Default 10 000. */
  maxCacheEntries?: number;
  /**
   * The caller guarantees no other process serves the same data (embedded
   * PGlite, which one process owns). Default false: with a shared Postgres,
   * another replica may change what this store caches.
   */
  soleReplica?: boolean;
}

export class MemoryCoordination implements Coordination {
  readonly sharedAcrossReplicas: boolean;
  readonly #keys;
  // Locks, rate windows and idempotency records are never evicted while live
  // (that would break their guarantees); their TTLs bound them instead.
  readonly #locks: ExpiringMap<string>;
  readonly #cache: ExpiringMap<string>;
  readonly #rate: ExpiringMap<number>;
  readonly #idempotency: ExpiringMap<IdempotencyRecord>;

  #writesSinceSweep = 0;

  constructor(clock: Clock, options: MemoryCoordinationOptions = {}) {
    this.sharedAcrossReplicas = options.soleReplica ?? false;
    this.#keys = namespacedKeys(options.prefix);
    const onWrite = () => this.#afterWrite();
    this.#locks = new ExpiringMap(clock, Number.POSITIVE_INFINITY, onWrite);
    this.#cache = new ExpiringMap(clock, options.maxCacheEntries ?? 10_000, onWrite);
    this.#rate = new ExpiringMap(clock, Number.POSITIVE_INFINITY, onWrite);
    this.#idempotency = new ExpiringMap(clock, Number.POSITIVE_INFINITY, onWrite);
  }

  #afterWrite(): void {
    if (++this.#writesSinceSweep < WRITES_PER_SWEEP) return;
    this.#writesSinceSweep = 0;
    for (const map of [this.#locks, this.#cache, this.#rate, this.#idempotency]) map.sweep();
  }

  async acquireLock(key: string, ttlMs: number): Promise<Lock | null> {
    assertKey(key);
    assertPositiveInt("ttlMs", ttlMs);
    const k = this.#keys.lock(key);
    if (this.#locks.get(k)) return null;
    const token = newLockToken();
    const entry = this.#locks.set(k, token, ttlMs);
    return { key, token, expiresAt: entry.expiresAt };
  }

  async renewLock(lock: Lock, ttlMs: number): Promise<boolean> {
    assertPositiveInt("ttlMs", ttlMs);
    const k = this.#keys.lock(lock.key);
    if (this.#locks.get(k)?.value !== lock.token) return false;
    lock.expiresAt = this.#locks.set(k, lock.token, ttlMs).expiresAt;
    return true;
  }

  async releaseLock(lock: Lock): Promise<boolean> {
    const k = this.#keys.lock(lock.key);
    if (this.#locks.get(k)?.value !== lock.token) return false;
    this.#locks.delete(k);
    return true;
  }

  async cacheGet<T>(key: string): Promise<T | null> {
    assertKey(key);
    const entry = this.#cache.get(this.#keys.cache(key));
    // Stored as JSON so callers get a copy, exactly as with Redis.
    return entry ? (JSON.parse(entry.value) as T) : null;
  }

  async cacheSet(key: string, value: unknown, ttlMs: number): Promise<void> {
    assertKey(key);
    assertPositiveInt("ttlMs", ttlMs);
    this.#cache.set(this.#keys.cache(key), JSON.stringify(value ?? null), ttlMs);
  }

  async cacheDelete(key: string): Promise<void> {
    this.#cache.delete(this.#keys.cache(key));
  }

  async cacheGetMany(keys: readonly string[]): Promise<unknown[]> {
    return Promise.all(keys.map((key) => this.cacheGet<unknown>(key)));
  }

  async cacheGetManyCounted(
    keys: readonly string[],
    rate: { key: string; limit: number; windowMs: number },
  ): Promise<{ values: unknown[]; rate: RateLimitResult }> {
    const values = await this.cacheGetMany(keys);
    return { values, rate: await this.rateLimit(rate.key, rate.limit, rate.windowMs) };
  }

  async cacheRaise(key: string, value: number, ttlMs: number): Promise<void> {
    assertKey(key);
    assertPositiveInt("ttlMs", ttlMs);
    const current = await this.cacheGet<unknown>(key);
    if (typeof current === "number" && current >= value) return;
    await this.cacheSet(key, value, ttlMs);
  }

  async rateLimit(key: string, limit: number, windowMs: number): Promise<RateLimitResult> {
    assertKey(key);
    assertPositiveInt("limit", limit);
    assertPositiveInt("windowMs", windowMs);
    const k = this.#keys.rate(key);
    const current = this.#rate.get(k);
    const entry = current ?? this.#rate.set(k, 0, windowMs);
    entry.value++;
    const allowed = entry.value <= limit;
    return {
      allowed,
      remaining: Math.max(0, limit - entry.value),
      retryAfterMs: allowed ? 0 : Math.max(1, entry.expiresAt - this.#rate.now()),
    };
  }

  async idempotencyBegin(key: string, ttlMs: number): Promise<IdempotencyState> {
    assertKey(key);
    assertPositiveInt("ttlMs", ttlMs);
    const k = this.#keys.idempotency(key);
    const existing = this.#idempotency.get(k);
    if (existing) return structuredClone(existing.value);
    this.#idempotency.set(k, { state: "in_progress" }, ttlMs);
    return { state: "new" };
  }

  async idempotencyComplete(key: string, result: unknown, ttlMs: number): Promise<void> {
    assertKey(key);
    assertPositiveInt("ttlMs", ttlMs);
    const stored: unknown = JSON.parse(JSON.stringify(result ?? null));
    this.#idempotency.set(this.#keys.idempotency(key), { state: "done", result: stored }, ttlMs);
  }

  async idempotencyAbandon(key: string): Promise<void> {
    const k = this.#keys.idempotency(key);
    // A finished record stays: abandoning must not erase a result others rely on.
    if (this.#idempotency.get(k)?.value.state === "in_progress") this.#idempotency.delete(k);
  }

  async ping(): Promise<void> {}

  /** Live + not-yet-swept entries across all maps; for memory-bound tests. */
  get entryCount(): number {
    return this.#locks.size + this.#cache.size + this.#rate.size + this.#idempotency.size;
  }
}
