/**
 * Refuses request bodies above the configured size with 413, whether the
 * client declared a Content-Length or streams the body in chunks. Bulk
 * endpoints (machine import) get their own, larger limit.
 */
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { AppError } from "../lib/errors.ts";

function limitOf(maxBytes: number): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new AppError("payload_too_large", `request body exceeds ${maxBytes} bytes`, { maxBytes });
    },
  });
}

export function bodySizeLimit(
  maxBytes: number,
  bulk: { paths: readonly string[]; maxBytes: number },
): MiddlewareHandler {
  const normal = limitOf(maxBytes);
  const large = limitOf(bulk.maxBytes);
  const bulkPaths = new Set(bulk.paths);
  return (c, next) => (bulkPaths.has(c.req.path) ? large(c, next) : normal(c, next));
}
