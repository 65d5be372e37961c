/**
 * Refuses request bodies above the configured size with 413, whether the
 * client declared a Content-Length or streams the body in chunks.
 */
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { AppError } from "../lib/errors.ts";

export function bodySizeLimit(maxBytes: number): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new AppError("payload_too_large", `request body exceeds ${maxBytes} bytes`, { maxBytes });
    },
  });
}
