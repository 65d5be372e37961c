/**
 * Resolves `Authorization: Bearer <token>` into the request's principal.
 * Mounted on /v1; paths listed in `open` (agent registration, which carries a
 * one-time token in its body) pass through without a principal.
 */
import type { MiddlewareHandler } from "hono";
import { AppError } from "../lib/errors.ts";
import { authenticate as authenticateToken } from "../services/auth/authenticate.ts";
import type { AppEnv } from "./app-env.ts";

const BEARER = /^Bearer\s+(\S+)\s*$/i;

export function authenticate(options: { open?: readonly string[] } = {}): MiddlewareHandler<AppEnv> {
  const open = new Set(options.open ?? []);
  return async (c, next) => {
    if (open.has(c.req.path)) return next();
    const header = c.req.header("authorization");
    if (!header) throw new AppError("unauthorized", "a bearer token is required (Authorization: Bearer …)");
    const token = BEARER.exec(header)?.[1];
    if (!token) throw new AppError("unauthorized", "the Authorization header must be 'Bearer <token>'");
    const scope = c.get("scope");
    const ctx = await scope.serviceContext("anonymous");
    c.set("principal", await authenticateToken({ ctx, input: { token } }));
    await next();
  };
}
