import type { RequestScope } from "../composition/request-scope.ts";
import type { AuditEntry } from "../http/audit.ts";
import type { Principal } from "../http/principal.ts";

/** Hono's per-request variables, set by the middleware in this folder. */
export interface AppEnv {
  Variables: {
    requestId: string;
    scope: RequestScope;
    /** set by `authenticate` on /v1 routes that need a caller */
    principal: Principal | undefined;
    /** what the audit middleware records for a mutating request; handlers fill it in */
    audit: AuditEntry | null | undefined;
  };
}
