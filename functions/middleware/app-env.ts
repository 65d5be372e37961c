import type { RequestScope } from "../composition/request-scope.ts";

/** Hono's per-request variables, set by the middleware in this folder. */
export interface AppEnv {
  Variables: {
    requestId: string;
    scope: RequestScope;
  };
}
