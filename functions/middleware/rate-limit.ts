/**
 * Per-caller rate limit over the coordination store (Redis, or in-process
 * when embedded): per token, per agent credential, or per client address for
 * unauthenticated calls. Over the limit: 429 with Retry-After.
 *
 * The client address comes from the runtime (AppDeps.clientAddress: the
 * socket or trusted proxies on Node, CF-Connecting-IP on Workers), never from
 * a header a client picks. Callers whose address is unknown share one bucket.
 */
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../http/hono-env.ts";
import { AppError } from "../lib/errors.ts";

export interface RateLimitSettings {
  /** requests per window per caller */
  limit: number;
  windowMs: number;
}

export const MINUTE_MS = 60_000;

/** Limits from policy (KSP_AUTH_FAILURES_PER_MINUTE, KSP_*REGISTRATIONS_PER_MINUTE). */
function policyOf(c: Context<AppEnv>) {
  return c.get("scope").deps.config.policy;
}

export function clientAddressOf(c: Context<AppEnv>): string | null {
  return c.get("scope").deps.clientAddress(c);
}

function addressKey(c: Context<AppEnv>): string {
  return `ip:${clientAddressOf(c) ?? "unknown"}`;
}

function callerKey(c: Context<AppEnv>): string {
  const principal = c.get("principal");
  if (principal?.kind === "token") return `token:${principal.tokenId}`;
  if (principal?.kind === "agent") return `agent:${principal.clusterId}`;
  return addressKey(c);
}

/**
 * Counts one hit of `key`; throws 429 (Retry-After set) once the window is used up.
 * `headers` adds the RateLimit-* headers of the general limiter.
 */
export async function hitRateLimit(
  c: Context<AppEnv>,
  key: string,
  settings: RateLimitSettings,
  opts: { headers?: boolean; message?: string } = {},
): Promise<void> {
  const { coordination } = c.get("scope").deps;
  const verdict = await coordination.rateLimit(`ratelimit:${key}`, settings.limit, settings.windowMs);
  if (opts.headers) {
    c.header("RateLimit-Limit", String(settings.limit));
    c.header("RateLimit-Remaining", String(Math.max(0, verdict.remaining)));
  }
  if (verdict.allowed) return;
  const retryAfterSeconds = Math.max(1, Math.ceil(verdict.retryAfterMs / 1000));
  c.header("Retry-After", String(retryAfterSeconds));
  throw new AppError(
    "rate_limited",
    `${opts.message ?? "too many requests"}; retry in ${retryAfterSeconds} s`,
    { limit: settings.limit, windowMs: settings.windowMs, retryAfterSeconds },
  );
}

export function rateLimit(settings: RateLimitSettings): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await hitRateLimit(c, callerKey(c), settings, { headers: true });
    await next();
  };
}

/** Counts a failed authentication against the caller's address: 429 instead of 401 past the limit. */
export async function countAuthFailure(c: Context<AppEnv>): Promise<void> {
  await hitRateLimit(
    c,
    `authfail:${addressKey(c)}`,
    { limit: policyOf(c).authFailuresPerMinute, windowMs: MINUTE_MS },
    { message: "too many failed authentications from this address" },
  );
}

/** Agent registration, per address: runs before the body is read. */
export function registrationLimitByAddress(path: string): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.req.path === path && c.req.method === "POST") {
      await hitRateLimit(
        c,
        `register:${addressKey(c)}`,
        { limit: policyOf(c).registrationsPerMinutePerAddress, windowMs: MINUTE_MS },
        { message: "too many registration attempts from this address" },
      );
    }
    await next();
  };
}

/** Agent registration, per cluster named in the request (the body has been validated by then). */
export async function registrationLimitByCluster(c: Context<AppEnv>, clusterName: string): Promise<void> {
  await hitRateLimit(
    c,
    `register:cluster:${clusterName}`,
    { limit: policyOf(c).registrationsPerMinutePerCluster, windowMs: MINUTE_MS },
    { message: "too many registration attempts for this cluster" },
  );
}
