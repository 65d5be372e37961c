/**
 * Records every mutating /v1 request in audit_logs, write-ahead: before the
 * handler runs, one `pending` row names who (actor), what is attempted
 * (method and route pattern) and from where (IP as the runtime vouches for it,
 * user agent, request id). Its id is the request's `auditIntentId`.
 *
 * A service that changes something completes that row in its own transaction
 * (services/audit/record-audit.ts), so the change and its audit row commit
 * together; afterwards only the status code is added here. A request whose
 * service completed nothing (refused, failed, or a change that was rolled
 * back) is completed here: `failure` or `success` by the status, with what
 * the route described (`c.get("audit")`), else the route pattern as the action.
 * Both updates are guarded, so neither overwrites what the other wrote.
 *
 * No change happens unaudited: if the intent cannot be written the request is
 * answered 503 and the handler never runs. If the final update fails, that is
 * logged loudly and the response stands; a row the service had not completed
 * stays `pending`, meaning "attempted, outcome unknown".
 *
 * Routes in UNAUDITED_ROUTES (high-frequency agent reports) are not recorded;
 * a request marked unaudited elsewhere (which defineRoute prevents) has its intent row removed.
 */

import { and, eq, isNull, ne } from "drizzle-orm";
import type { Context, MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import { auditLogs } from "../../drizzle/schema/audit-logs.ts";
import { maskSecrets } from "../../shared/mask-secrets.ts";
import { UNAUDITED_ROUTES } from "../http/audit.ts";
import type { AppEnv } from "../http/hono-env.ts";
import { AppError } from "../lib/errors.ts";
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
    c.set("auditIntentId", id);
    await next();
    await finalise(c, id, provisionalAction);
  };
}

/** `routeAction`: "<method> <route pattern>", the action when the handler named none. */
async function finalise(c: Context<AppEnv>, id: string, routeAction: string): Promise<void> {
  const entry = c.get("audit");
  const scope = c.get("scope");
  const status = c.res.status;
  const pending = and(eq(auditLogs.id, id), eq(auditLogs.result, "pending"));
  try {
    const { db } = await scope.database();
    if (entry === null) {
      scope.logger.warn("audit: false on a route not in UNAUDITED_ROUTES; intent row removed", {
        path: c.req.path,
      });
      // a row a service completed records a committed change: it stays
      await db.delete(auditLogs).where(pending);
      return;
    }
    // the common case once services audit: the row was completed with the change, only the status is new
    const completed = await db
      .update(auditLogs)
      .set({ statusCode: status })
      .where(and(eq(auditLogs.id, id), ne(auditLogs.result, "pending"), isNull(auditLogs.statusCode)))
      .returning({ id: auditLogs.id });
    if (completed.length > 0) return;
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
      .where(pending);
  } catch (err) {
    // The response stands (the change, if any, is committed with its own audit row or without one).
    scope.logger.error("audit finalisation failed; audit row left as it was", {
      error: err,
      auditId: id,
      status,
      path: c.req.path,
    });
  }
}
