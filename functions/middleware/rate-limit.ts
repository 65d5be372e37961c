/**
 * Per-caller rate limit over the coordination store (Redis, or in-process
 * when embedded): per token, per agent credential, or per client address for
 * unauthenticated calls. Over the limit: 429 with Retry-After.
 */
import type { Context, MiddlewareHandler } from "hono";
import { AppError } from "../lib/errors.ts";
import type { AppEnv } from "./app-env.ts";

export interface RateLimitSettings {
  /** requests per window per caller */
  limit: number;
  windowMs: number;
}

export function clientAddress(c: Context): string | null {
  const forwarded = c.req.header("cf-connecting-ip") ?? c.req.header("x-forwarded-for")?.split(",")[0];
  return forwarded?.trim().slice(0, 64) || null;
}

function callerKey(c: Context<AppEnv>): string {
  const principal = c.get("principal");
  if (principal?.kind === "token") return `token:${principal.tokenId}`;
  if (principal?.kind === "agent") return `agent:${principal.clusterId}`;
  return `ip:${clientAddress(c) ?? "unknown"}`;
}

export function rateLimit(settings: RateLimitSettings): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const { coordination } = c.get("scope").deps;
    const verdict = await coordination.rateLimit(
      `ratelimit:${callerKey(c)}`,
      settings.limit,
      settings.windowMs,
    );
    c.header("RateLimit-Limit", String(settings.limit));
    c.header("RateLimit-Remaining", String(Math.max(0, verdict.remaining)));
    if (!verdict.allowed) {
      const retryAfterSeconds = Math.max(1, Math.ceil(verdict.retryAfterMs / 1000));
      c.header("Retry-After", String(retryAfterSeconds));
      throw new AppError("rate_limited", `too many requests; retry in ${retryAfterSeconds} s`, {
        limit: settings.limit,
        windowMs: settings.windowMs,
        retryAfterSeconds,
      });
    }
    await next();
  };
}
