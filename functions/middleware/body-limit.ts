/**
 * Refuses request bodies above the configured size with 413, whether the
 * client declared a Content-Length or streams the body in chunks. Bulk
 * endpoints (machine import) get their own, larger limit.
 *
 * Two stages, so that nothing reads a body before the caller is known:
 * `declaredBodySizeLimit` only looks at Content-Length (no byte is read) and
 * runs first; `bodySizeLimit` counts the bytes of a streamed body, which
 * means buffering it, and on /v1 runs only after authentication and rate
 * limiting (see routes/v1/index.ts).
 */
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { AppError } from "../lib/errors.ts";

export interface BodyLimits {
  maxBytes: number;
  bulk: { paths: readonly string[]; maxBytes: number };
}

function tooLarge(maxBytes: number): never {
  throw new AppError("payload_too_large", `request body exceeds ${maxBytes} bytes`, { maxBytes });
}

function limitFor(c: Context, limits: BodyLimits): number {
  return limits.bulk.paths.includes(c.req.path) ? limits.bulk.maxBytes : limits.maxBytes;
}

/** 413 for a declared Content-Length above the limit; reads nothing. */
export function declaredBodySizeLimit(limits: BodyLimits): MiddlewareHandler {
  return async (c, next) => {
    const declared = c.req.header("content-length");
    if (declared !== undefined && !c.req.header("transfer-encoding")) {
      const max = limitFor(c, limits);
      if (Number.parseInt(declared, 10) > max) tooLarge(max);
    }
    await next();
  };
}

/** The full check, streamed bodies included (buffers up to the limit). */
export function bodySizeLimit(limits: BodyLimits): MiddlewareHandler {
  const normal = bodyLimit({ maxSize: limits.maxBytes, onError: () => tooLarge(limits.maxBytes) });
  const large = bodyLimit({ maxSize: limits.bulk.maxBytes, onError: () => tooLarge(limits.bulk.maxBytes) });
  const bulkPaths = new Set(limits.bulk.paths);
  return (c, next) => (bulkPaths.has(c.req.path) ? large(c, next) : normal(c, next));
}
