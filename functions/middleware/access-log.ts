/**
 * One JSON line per request. Only the path is logged: query strings may carry
 * secrets, and headers (Authorization above all) are never logged.
 */
import type { MiddlewareHandler } from "hono";
import type { Logger } from "../../shared/logger.ts";
import type { AppEnv } from "../http/hono-env.ts";

export function accessLog(logger: Logger): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    await next();
    logger.info("request", {
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      durationMs: Math.round((performance.now() - started) * 10) / 10,
      requestId: c.get("requestId"),
    });
  };
}
