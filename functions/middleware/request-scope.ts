/** Opens a RequestScope for each request and disposes of it once the response is ready. */
import type { Context, MiddlewareHandler } from "hono";
import { RequestScope } from "../composition/request-scope.ts";
import type { AppDeps } from "../composition/types.ts";
import type { AppEnv } from "../http/hono-env.ts";

interface WaitUntil {
  waitUntil(promise: Promise<unknown>): void;
}

/** Workers hand Hono an ExecutionContext; Node does not (the getter throws there). */
function executionContextOf(c: Context): WaitUntil | undefined {
  try {
    return c.executionCtx;
  } catch {
    return undefined;
  }
}

export function requestScope(deps: AppDeps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const scope = new RequestScope(deps, c.get("requestId"));
    c.set("scope", scope);
    try {
      await next();
    } finally {
      // In a Worker, closing the per-request connection need not delay the response.
      const disposed = scope.dispose();
      const ctx = executionContextOf(c);
      if (ctx) ctx.waitUntil(disposed);
      else await disposed;
    }
  };
}
