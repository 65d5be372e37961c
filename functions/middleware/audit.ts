/**
 * Records every mutating /v1 request in audit_logs, write-ahead: before the
 * handler runs, one `pending` row names who (actor), what is attempted
 * (method and route pattern) and from where (IP as the runtime vouches for it,
 * user agent, request id). Once the response is known the same row is updated
 * with what happened (action, resource, changes; handlers describe it with
 * `setAudit`, else the route pattern names the action) and the outcome
 * (result, status).
 *
 * No change happens unaudited: if the intent cannot be written the request is
 * answered 503 and the handler never runs. If the final update fails, that is
 * logged loudly and the response stands (the change has been committed); the
 * row stays `pending`, meaning "attempted, outcome unknown".
 *
 * Routes in UNAUDITED_ROUTES (high-frequency agent reports) are not recorded;
 * a handler that calls `skipAudit` elsewhere has its intent row removed.
 */

import { eq } from "drizzle-orm";
import type { Context, MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import { auditLogs } from "../../drizzle/schema/audit-logs.ts";
import { UNAUDITED_ROUTES } from "../http/audit.ts";
import { AppError } from "../lib/errors.ts";
import { maskSecrets } from "../lib/logger.ts";
import type { AppEnv } from "../http/hono-env.ts";
import { clientAddressOf } from "./rate-limit.ts";

const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export function audit(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!MUTATING.has(c.req.method)) return next();
    // Routing is done before any middleware runs: the last matched route is the endpoint's.
    const provisionalAction = `${c.req.method} ${routePath(c, -1)}`;
    if (UNAUDITED_ROUTES.has(provisionalAction)) return next();
    const scope = c.get("scope");
    const principal = c.get("principal");
    const id = crypto.randomUUID();
    try {
      const { db } = await scope.database();
      await db.insert(auditLogs).values({
        id,
        at: scope.deps.clock.now(),
        actor: principal?.actor ?? "anonymous",
        action: provisionalAction,
        resourceType: "unknown",
        clusterId: principal?.kind === "agent" ? principal.clusterId : null,
        result: "pending",
        ip: clientAddressOf(c),
        userAgent: c.req.header("user-agent")?.slice(0, 512) ?? null,
        requestId: c.get("requestId"),
      });
    } catch (err) {
      scope.logger.error("audit intent write failed; request refused", {
        error: err,
        method: c.req.method,
        path: c.req.path,
      });
      throw new AppError(
        "dependency_unavailable",
        "the audit log cannot be written; the request was not carried out",
        undefined,
        { cause: err },
      );
    }
    await next();
    await finalise(c, id, provisionalAction);
  };
}

/** `routeAction`: "<method> <route pattern>", the action when the handler named none. */
async function finalise(c: Context<AppEnv>, id: string, routeAction: string): Promise<void> {
  const entry = c.get("audit");
  const scope = c.get("scope");
  const status = c.res.status;
  try {
    const { db } = await scope.database();
    if (entry === null) {
      scope.logger.warn("skipAudit on a route not in UNAUDITED_ROUTES; intent row removed", {
        path: c.req.path,
      });
      await db.delete(auditLogs).where(eq(auditLogs.id, id));
      return;
    }
    const principal = c.get("principal");
    await db
      .update(auditLogs)
      .set({
        action: entry?.action ?? routeAction,
        resourceType: entry?.resourceType ?? "unknown",
        resourceId: entry?.resourceId ?? null,
        clusterId: entry?.clusterId ?? (principal?.kind === "agent" ? principal.clusterId : null),
        result: status < 400 ? "success" : "failure",
        statusCode: status,
        changes: maskSecrets(entry?.changes ?? {}) as Record<string, unknown>,
      })
      .where(eq(auditLogs.id, id));
  } catch (err) {
    // The response stands (the change, if any, is committed); the row stays `pending`.
    scope.logger.error("audit finalisation failed; audit row left pending", {
      error: err,
      auditId: id,
      status,
      path: c.req.path,
    });
  }
}
