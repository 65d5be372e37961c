/**
 * Every response carries `x-request-id`. A caller's own id is kept when it is
 * short and plain (so it can be logged and echoed safely); otherwise a fresh
 * UUID is used.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../http/hono-env.ts";

export const REQUEST_ID_HEADER = "x-request-id";
const ACCEPTABLE_ID = /^[A-Za-z0-9._-]{1,128}$/;

export function acceptableRequestId(value: string | undefined | null): value is string {
  return typeof value === "string" && ACCEPTABLE_ID.test(value);
}

export function requestId(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const incoming = c.req.header(REQUEST_ID_HEADER);
    const id = acceptableRequestId(incoming) ? incoming : crypto.randomUUID();
    c.set("requestId", id);
    await next();
    c.res.headers.set(REQUEST_ID_HEADER, id);
  };
}
