/**
 * Coordination over Upstash Redis (REST), shared by every Worker isolate and
 * Node process. Every check-then-act step is one Lua script, so it is atomic
 * in Redis; TTLs are enforced by Redis itself (PX / PEXPIRE).
 */
import type { Redis } from "@upstash/redis";
import { Redis as RestRedis } from "@upstash/redis/cloudflare";
import { type Clock, systemClock } from "../../../shared/clock.ts";
import { AppError, isAppError } from "../errors.ts";
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

/** The commands used here; both the Node and the Cloudflare `Redis` classes fit. */
export type UpstashRedis = Pick<Redis, "set" | "get" | "mget" | "del" | "ping" | "createScript">;

export interface UpstashCoordinationOptions extends CoordinationOptions {
  /** Only for `Lock.expiresAt`, which is advisory; Redis owns the real TTLs. */
  clock?: Clock;
}

const RELEASE_IF_OWNER = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

const RENEW_IF_OWNER = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

// Fixed window opened by the first hit. A counter that somehow lost its TTL
// gets one again rather than refusing forever. Leaves `count` and `ttl` set.
const COUNT_IN_WINDOW = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end`;

const RATE_LIMIT = `${COUNT_IN_WINDOW}
return {count, ttl}`;

const IDEMPOTENCY_BEGIN = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return {1} end
return {0, redis.call('GET', KEYS[1])}`;

// the same guarded delete as a lock release: only while the key still holds the expected value
const DELETE_IF_EQUAL = RELEASE_IF_OWNER;

// KEYS[1] the rate window, KEYS[2..] cache entries: the window's count, then one MGET.
const GET_MANY_COUNTED = `${COUNT_IN_WINDOW}
local values = {}
if #KEYS > 1 then values = redis.call('MGET', unpack(KEYS, 2)) end
return {count, ttl, values}`;

// Cache entries are {"v": …}; a higher or equal stored number wins, anything else is replaced.
const RAISE = `
local current = redis.call('GET', KEYS[1])
if current then
  local ok, entry = pcall(cjson.decode, current)
  if ok and type(entry) == 'table' and type(entry.v) == 'number' and entry.v >= tonumber(ARGV[1]) then
    return 0
  end
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1`;

const IN_PROGRESS = JSON.stringify({ s: "p" });

/**
 * The client may or may not deserialize JSON replies (automaticDeserialization),
 * so stored JSON arrives either as text or already parsed.
 */
function fromStored(raw: unknown): unknown {
  if (typeof raw !== "string") return raw;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** A stored cache envelope `{v: …}` (text or parsed), or nothing, as the value it holds. */
function cachedValue(raw: unknown): unknown {
  if (raw === null || raw === undefined || raw === false) return null;
  const envelope = fromStored(raw) as { v?: unknown } | null;
  return envelope?.v ?? null;
}

export class UpstashCoordination implements Coordination {
  /** Every replica and Worker isolate talks to the same Redis. */
  readonly sharedAcrossReplicas = true;
  readonly #redis: UpstashRedis;
  readonly #keys;
  readonly #clock: Clock;
  readonly #scripts;

  constructor(
    redis: UpstashRedis | { url: string; token: string },
    options: UpstashCoordinationOptions = {},
  ) {
    this.#redis =
      "url" in redis ? new RestRedis({ url: redis.url, token: redis.token, enableTelemetry: false }) : redis;
    this.#keys = namespacedKeys(options.prefix);
    this.#clock = options.clock ?? systemClock;
    // createScript runs EVALSHA and falls back to EVAL on NOSCRIPT.
    const script = (src: string) => this.#redis.createScript<unknown>(src);
    this.#scripts = {
      release: script(RELEASE_IF_OWNER),
      renew: script(RENEW_IF_OWNER),
      rateLimit: script(RATE_LIMIT),
      idempotencyBegin: script(IDEMPOTENCY_BEGIN),
      deleteIfEqual: script(DELETE_IF_EQUAL),
      getManyCounted: script(GET_MANY_COUNTED),
      raise: script(RAISE),
    };
  }

  async acquireLock(key: string, ttlMs: number): Promise<Lock | null> {
    assertKey(key);
    assertPositiveInt("ttlMs", ttlMs);
    return this.#call("acquireLock", async () => {
      const token = newLockToken();
      const ok = await this.#redis.set(this.#keys.lock(key), token, { nx: true, px: ttlMs });
      if (ok !== "OK") return null;
      return { key, token, expiresAt: this.#clock.now().getTime() + ttlMs };
    });
  }

  async renewLock(lock: Lock, ttlMs: number): Promise<boolean> {
    assertPositiveInt("ttlMs", ttlMs);
    return this.#call("renewLock", async () => {
      const renewed = await this.#scripts.renew.exec(
        [this.#keys.lock(lock.key)],
        [lock.token, String(ttlMs)],
      );
      if (Number(renewed) !== 1) return false;
      lock.expiresAt = this.#clock.now().getTime() + ttlMs;
      return true;
    });
  }

  async releaseLock(lock: Lock): Promise<boolean> {
    return this.#call("releaseLock", async () => {
      const deleted = await this.#scripts.release.exec([this.#keys.lock(lock.key)], [lock.token]);
      return Number(deleted) === 1;
    });
  }

  async cacheGet<T>(key: string): Promise<T | null> {
    assertKey(key);
    return this.#call("cacheGet", async () => {
      return cachedValue(await this.#redis.get<unknown>(this.#keys.cache(key))) as T | null;
    });
  }

  async cacheSet(key: string, value: unknown, ttlMs: number): Promise<void> {
    assertKey(key);
    assertPositiveInt("ttlMs", ttlMs);
    return this.#call("cacheSet", async () => {
      // Wrapped so every value, even a bare string or number, round-trips as itself.
      await this.#redis.set(this.#keys.cache(key), JSON.stringify({ v: value ?? null }), { px: ttlMs });
    });
  }

  async cacheDelete(key: string): Promise<void> {
    return this.#call("cacheDelete", async () => {
      await this.#redis.del(this.#keys.cache(key));
    });
  }

  async cacheGetMany(keys: readonly string[]): Promise<unknown[]> {
    for (const key of keys) assertKey(key);
    if (keys.length === 0) return [];
    return this.#call("cacheGetMany", async () => {
      const raw = await this.#redis.mget<unknown[]>(...keys.map((key) => this.#keys.cache(key)));
      return raw.map(cachedValue);
    });
  }

  async cacheGetManyCounted(
    keys: readonly string[],
    rate: { key: string; limit: number; windowMs: number },
  ): Promise<{ values: unknown[]; rate: RateLimitResult }> {
    for (const key of [rate.key, ...keys]) assertKey(key);
    assertPositiveInt("limit", rate.limit);
    assertPositiveInt("windowMs", rate.windowMs);
    return this.#call("cacheGetManyCounted", async () => {
      const reply = (await this.#scripts.getManyCounted.exec(
        [this.#keys.rate(rate.key), ...keys.map((key) => this.#keys.cache(key))],
        [String(rate.windowMs)],
      )) as [unknown, unknown, unknown[] | null];
      const [count, ttl] = [Number(reply[0]), Number(reply[1])];
      const allowed = count <= rate.limit;
      const values = keys.map((_, i) => cachedValue(reply[2]?.[i] ?? null));
      return {
        values,
        rate: {
          allowed,
          remaining: Math.max(0, rate.limit - count),
          retryAfterMs: allowed ? 0 : Math.max(1, ttl),
        },
      };
    });
  }

  async cacheRaise(key: string, value: number, ttlMs: number): Promise<void> {
    assertKey(key);
    assertPositiveInt("ttlMs", ttlMs);
    return this.#call("cacheRaise", async () => {
      await this.#scripts.raise.exec(
        [this.#keys.cache(key)],
        [String(value), JSON.stringify({ v: value }), String(ttlMs)],
      );
    });
  }

  async rateLimit(key: string, limit: number, windowMs: number): Promise<RateLimitResult> {
    assertKey(key);
    assertPositiveInt("limit", limit);
    assertPositiveInt("windowMs", windowMs);
    return this.#call("rateLimit", async () => {
      const reply = await this.#scripts.rateLimit.exec([this.#keys.rate(key)], [String(windowMs)]);
      const [count, ttl] = (reply as [unknown, unknown]).map(Number) as [number, number];
      const allowed = count <= limit;
      return { allowed, remaining: Math.max(0, limit - count), retryAfterMs: allowed ? 0 : Math.max(1, ttl) };
    });
  }

  async idempotencyBegin(key: string, ttlMs: number): Promise<IdempotencyState> {
    assertKey(key);
    assertPositiveInt("ttlMs", ttlMs);
    return this.#call("idempotencyBegin", async () => {
      const reply = (await this.#scripts.idempotencyBegin.exec(
        [this.#keys.idempotency(key)],
        [IN_PROGRESS, String(ttlMs)],
      )) as [unknown, unknown?];
      if (Number(reply[0]) === 1) return { state: "new" };
      const record = fromStored(reply[1]) as { s?: string; r?: unknown } | null;
      if (record?.s === "d") return { state: "done", result: record.r ?? null };
      return { state: "in_progress" };
    });
  }

  async idempotencyComplete(key: string, result: unknown, ttlMs: number): Promise<void> {
    assertKey(key);
    assertPositiveInt("ttlMs", ttlMs);
    return this.#call("idempotencyComplete", async () => {
      const record = JSON.stringify({ s: "d", r: result ?? null });
      await this.#redis.set(this.#keys.idempotency(key), record, { px: ttlMs });
    });
  }

  async idempotencyAbandon(key: string): Promise<void> {
    return this.#call("idempotencyAbandon", async () => {
      // Only an in-progress marker is removed; a finished result stays.
      await this.#scripts.deleteIfEqual.exec([this.#keys.idempotency(key)], [IN_PROGRESS]);
    });
  }

  async ping(): Promise<void> {
    return this.#call("ping", async () => {
      const pong = await this.#redis.ping();
      if (pong !== "PONG") throw new Error(`unexpected PING reply ${JSON.stringify(pong)}`);
    });
  }

  /** Store failures become one error code the HTTP layer maps to 503. */
  async #call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (isAppError(err)) throw err;
      throw new AppError(
        "dependency_unavailable",
        `coordination store failed during ${operation}`,
        { operation },
        { cause: err },
      );
    }
  }
}
