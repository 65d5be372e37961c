/**
 * The Hono types every middleware and route shares, in a leaf module (as
 * unkey's `pkg/hono/app.ts`): route files import `App` from here, never from
 * `app.ts`, which imports every route and would close a cycle.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { RequestScope } from "../composition/request-scope.ts";
import type { AuditEntry } from "../services/audit/audit-entry.ts";
import type { Principal } from "../services/auth/principal.ts";

/** Hono's per-request variables, set by the middleware. */
export interface AppEnv {
  Variables: {
    requestId: string;
    scope: RequestScope;
    /** set by `authenticate` on /v1 routes that need a caller */
    principal: Principal | undefined;
    /**
     * What the audit middleware records for a request whose service did not
     * complete the audit row itself (refused or failed requests): the route
     * helper fills it in from the route's declaration. null: not audited.
     */
    audit: AuditEntry | null | undefined;
    /** the write-ahead `pending` audit row of this request, for the service's transaction to complete */
    auditIntentId: string | undefined;
  };
}

export type App = OpenAPIHono<AppEnv>;
