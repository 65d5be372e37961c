/**
 * The idle agent poll, answered at the door of /v1: `GET /v1/agent/state`
 * with an agent credential and `If-None-Match: W/"<clusterId>:<version>"`
 * costs ONE coordination round trip (the credential's cache entry, the
 * cluster's cached state version and the agent's rate window, together) and
 * no Postgres; the answer is the same 304 the route would give. Every other
 * case (no tag, a cache miss, a changed version, a credential the cache does
 * not know or that names another cluster, the store failing) goes on through
 * authentication, the rate limit and the route as any request: this is a
 * shortcut for the one answer that needs nothing else, never a second way to
 * authorize. The cache entries are written through and invalidated by every
 * writer (services/auth/agent-credential-cache.ts, services/clusters/
 * state-version.ts), so a rotated, revoked or deleted credential misses here.
 *
 * The rate window is the /v1 limiter's own key, counted here for the 304s;
 * a poll that goes on is counted again there (it is a change or a miss: rare).
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../http/hono-env.ts";
import { AppError } from "../lib/errors.ts";
import { hashToken, isGeneratedToken } from "../lib/tokens.ts";
import { confirmIdlePoll, parseStateEtag, stateEtag } from "../services/agent/agent-state.ts";

export const AGENT_STATE_PATH = "/v1/agent/state";
const BEARER = /^Bearer\s+(\S+)\s*$/i;

export function idleAgentPoll(rate: { limitPerMinute: number; windowMs: number }): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.req.method !== "GET" || c.req.path !== AGENT_STATE_PATH) return next();
    const token = BEARER.exec(c.req.header("authorization") ?? "")?.[1];
    const tag = parseStateEtag(c.req.header("if-none-match"));
    if (!token || !tag || token.length > 300 || !isGeneratedToken(token, "agent")) return next();
    const { coordination } = c.get("scope").deps;
    const answer = await confirmIdlePoll(
      { coordination },
      {
        credentialHash: await hashToken(token),
        tag,
        rate: { limit: rate.limitPerMinute, windowMs: rate.windowMs },
      },
    ).catch(() => ({ unchanged: false as const }));
    if (!answer.unchanged) return next();
    c.header("RateLimit-Limit", String(rate.limitPerMinute));
    c.header("RateLimit-Remaining", String(Math.max(0, answer.rate.remaining)));
    if (!answer.rate.allowed) {
      const retryAfterSeconds = Math.max(1, Math.ceil(answer.rate.retryAfterMs / 1000));
      c.header("Retry-After", String(retryAfterSeconds));
      throw new AppError("rate_limited", `too many requests; retry in ${retryAfterSeconds} s`, {
        limit: rate.limitPerMinute,
        windowMs: rate.windowMs,
        retryAfterSeconds,
      });
    }
    c.header("Cache-Control", "no-cache");
    c.header("ETag", stateEtag(tag.clusterId, tag.version));
    return c.body(null, 304);
  };
}
