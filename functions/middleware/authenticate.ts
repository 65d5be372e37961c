/**
 * Resolves `Authorization: Bearer <token>` into the request's principal.
 * Mounted on /v1 ahead of everything that reads a request body; paths listed
 * in `open` (agent registration, which carries a one-time token in its body)
 * pass through without a principal. Failed attempts are counted per client
 * address: past KSP_AUTH_FAILURES_PER_MINUTE the answer is 429, not 401.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../http/hono-env.ts";
import { AppError, isAppError } from "../lib/errors.ts";
import { authenticate as authenticateToken } from "../services/auth/authenticate.ts";
import { countAuthFailure } from "./rate-limit.ts";

const BEARER = /^Bearer\s+(\S+)\s*$/i;

export function authenticate(options: { open?: readonly string[] } = {}): MiddlewareHandler<AppEnv> {
  const open = new Set(options.open ?? []);
  return async (c, next) => {
    if (open.has(c.req.path)) return next();
    try {
      const header = c.req.header("authorization");
      if (!header) throw new AppError("unauthorized", "a bearer token is required (Authorization: Bearer …)");
      const token = BEARER.exec(header)?.[1];
      if (!token) throw new AppError("unauthorized", "the Authorization header must be 'Bearer <token>'");
      const scope = c.get("scope");
      const ctx = await scope.serviceContext("anonymous");
      c.set("principal", await authenticateToken({ ctx, input: { token } }));
    } catch (err) {
      if (isAppError(err) && err.code === "unauthorized") await countAuthFailure(c);
      throw err;
    }
    await next();
  };
}
