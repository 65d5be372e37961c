/**
 * Records every mutating /v1 request in audit_logs once its response is known:
 * who (actor), what (action, resource, changes), the outcome (result, status),
 * and from where (IP as the runtime vouches for it, user agent, request id). Handlers describe the action
 * with `setAudit`; without it the route pattern names the action.
 * An audit write that fails is logged loudly but does not undo the response:
 * the change itself has already been committed.
 */
import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import { auditLogs } from "../../drizzle/schema/audit-logs.ts";
import { maskSecrets } from "../lib/logger.ts";
import type { AppEnv } from "./app-env.ts";
import { clientAddressOf } from "./rate-limit.ts";

const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export function audit(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!MUTATING.has(c.req.method)) return next();
    await next();
    const entry = c.get("audit");
    if (entry === null) return;
    const scope = c.get("scope");
    const principal = c.get("principal");
    const status = c.res.status;
    try {
      const { db } = await scope.database();
      await db.insert(auditLogs).values({
        at: scope.deps.clock.now(),
        actor: principal?.actor ?? "anonymous",
        action: entry?.action ?? `${c.req.method} ${routePath(c)}`,
        resourceType: entry?.resourceType ?? "unknown",
        resourceId: entry?.resourceId ?? null,
        clusterId: entry?.clusterId ?? (principal?.kind === "agent" ? principal.clusterId : null),
        result: status < 400 ? "success" : "failure",
        statusCode: status,
        changes: maskSecrets(entry?.changes ?? {}) as Record<string, unknown>,
        ip: clientAddressOf(c),
        userAgent: c.req.header("user-agent")?.slice(0, 512) ?? null,
        requestId: c.get("requestId"),
      });
    } catch (err) {
      scope.logger.error("audit write failed", { error: err, status, path: c.req.path });
    }
  };
}
