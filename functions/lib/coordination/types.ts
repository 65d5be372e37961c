/**
 * Coordination primitives for the control plane: locks, a small cache, rate
 * limits and idempotency records. Two implementations exist: in-process
 * (memory.ts, the embedded default) and Upstash Redis (upstash.ts, shared by
 * every Worker isolate). Nothing here may use Node built-ins: it runs on
 * Cloudflare Workers too.
 */
import { AppError } from "../errors.ts";

/** A held lock. `token` proves ownership; only its holder can renew or release. */
export interface Lock {
  key: string;
  token: string;
  /** Epoch ms at which the lock lapses unless renewed (holder's clock; advisory). */
  expiresAt: number;
}

export interface RateLimitResult {
  allowed: boolean;
  remaining: number;
  /** 0 when allowed; otherwise how long until the window resets. */
  retryAfterMs: number;
}

export type IdempotencyState =
  | { state: "new" }
  | { state: "in_progress" }
  | { state: "done"; result: unknown };

export interface Coordination {
  /**
   * True when every process serving this deployment reads and writes this same
   * store: Upstash, or the in-process store of the one process that owns an
   * embedded database. False for an in-process store beside a Postgres that
   * other replicas share: their writes and deletions never reach it, so it must
   * not hold anything another replica may have to invalidate (credentials).
   */
  readonly sharedAcrossReplicas: boolean;

  /** Resolves to null while someone else holds the lock. */
  acquireLock(key: string, ttlMs: number): Promise<Lock | null>;
  /** False when the lock lapsed or now belongs to someone else. */
  renewLock(lock: Lock, ttlMs: number): Promise<boolean>;
  /** Owner-checked: never releases another owner's lock. False when it was not ours any more. */
  releaseLock(lock: Lock): Promise<boolean>;

  cacheGet<T>(key: string): Promise<T | null>;
  cacheSet(key: string, value: unknown, ttlMs: number): Promise<void>;
  cacheDelete(key: string): Promise<void>;
  /**
   * Several cache entries in ONE round trip (one MGET on Redis), in the order of `keys`; null
   * where absent. For hot paths that must cost one command (idle agent polls, idle cron ticks).
   */
  cacheGetMany(keys: readonly string[]): Promise<unknown[]>;
  /**
   * `cacheGetMany` and one hit of the rate window `rate` (as `rateLimit`), still in ONE round trip
   * (one script on Redis): a conditional request answered from the cache stays rate limited.
   */
  cacheGetManyCounted(
    keys: readonly string[],
    rate: { key: string; limit: number; windowMs: number },
  ): Promise<{ values: unknown[]; rate: RateLimitResult }>;
  /**
   * Stores the number `value` unless the entry already holds a number >= it, atomically: writers
   * publishing after their commits in any order leave the highest value (state versions).
   */
  cacheRaise(key: string, value: number, ttlMs: number): Promise<void>;

  /** Fixed window that opens at the first hit of `key` and lasts `windowMs`. */
  rateLimit(key: string, limit: number, windowMs: number): Promise<RateLimitResult>;

  /** "new" means the caller now owns the key (marked in progress for `ttlMs`). */
  idempotencyBegin(key: string, ttlMs: number): Promise<IdempotencyState>;
  /** Stores the result so later `idempotencyBegin` calls answer "done" with it. */
  idempotencyComplete(key: string, result: unknown, ttlMs: number): Promise<void>;
  /** Forgets an in-progress attempt so the operation can be retried. */
  idempotencyAbandon(key: string): Promise<void>;

  /** Throws when the backing store is unreachable (for /readyz). */
  ping(): Promise<void>;
}

export interface CoordinationOptions {
  /** Prepended to every key, so several deployments can share one store. Default "ksp:". */
  prefix?: string;
}

export const DEFAULT_PREFIX = "ksp:";

/** Key namespaces, so a cache key can never collide with a lock of the same name. */
export function namespacedKeys(prefix: string = DEFAULT_PREFIX) {
  return {
    lock: (key: string) => `${prefix}lock:${key}`,
    cache: (key: string) => `${prefix}cache:${key}`,
    rate: (key: string) => `${prefix}rl:${key}`,
    idempotency: (key: string) => `${prefix}idem:${key}`,
  };
}

/** Random, unguessable lock token; Web Crypto exists on Workers and on Node 20. */
export function newLockToken(): string {
  return crypto.randomUUID();
}

/** TTLs and limits are integers >= 1; anything else is a programming error worth failing loudly. */
export function assertPositiveInt(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new AppError("bad_request", `${name} must be a positive integer, got ${value}`, { [name]: value });
  }
}

export function assertKey(key: string): void {
  if (typeof key !== "string" || key.length === 0) {
    throw new AppError("bad_request", "coordination key must be a non-empty string");
  }
}
