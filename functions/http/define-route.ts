/**
 * Every /v1 route is its OpenAPI contract plus one `defineRoute` call. The
 * helper does the prologue all of them share, in one order:
 *   1. authorize: the caller's role (or agent credential) is checked before
 *      anything is looked up;
 *   2. names: `clusterId`, `poolId` and `machineId` in the path, query or
 *      body may be names (services/refs); they are resolved to ids inside
 *      what the caller may see, and the validated input is replaced, so
 *      handlers only ever see ids;
 *   3. cluster scope: a cluster named in the path or query must be the token's own;
 *   4. audit attribution: how a refused or failed request is named in the
 *      audit log (a successful change is recorded by its service, in the
 *      change's own transaction);
 *   5. the service context, carrying the request's audit origin.
 * Then `run` validates nothing more and calls one service.
 */
import type { RouteConfig, RouteHandler } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { ApiTokenRole } from "../../drizzle/schema/api-tokens.ts";
import { AppError } from "../lib/errors.ts";
import { clientAddressOf } from "../middleware/rate-limit.ts";
import {
  type AgentPrincipal,
  assertClusterAccess,
  requireAgent,
  requireRole,
  type TokenPrincipal,
} from "../services/auth/principal.ts";
import type { ServiceContext } from "../services/context.ts";
import { resolveClusterRef, resolveMachineRef, resolvePoolRef } from "../services/refs/resolve-refs.ts";
import { UNAUDITED_ROUTES } from "./audit.ts";
import type { App, AppEnv } from "./hono-env.ts";

/** A token role, "agent" (an agent credential) or "open" (no caller; the body is the credential). */
export type Access = ApiTokenRole | "agent" | "open";

type CallerOf<A extends Access> = A extends "agent"
  ? AgentPrincipal
  : A extends "open"
    ? null
    : TokenPrincipal;

export interface RouteCall<A extends Access> {
  ctx: ServiceContext;
  principal: CallerOf<A>;
}

/** How a request is named in the audit log when its service records nothing (refused, failed). */
export interface RouteAudit {
  action: string;
  resourceType: string;
}

export interface RouteSpec<R extends RouteConfig, A extends Access> {
  route: R;
  access: A;
  /**
   * Mutating routes: the action they audit. `false`: never audited (high
   * frequency agent reports listed in UNAUDITED_ROUTES).
   */
  audit?: RouteAudit | false;
  /** the acting identity when nobody is authenticated ("open" routes) */
  actor?: string;
  /** refuse cluster-scoped tokens: the operation spans clusters (e.g. creating one) */
  unscopedOnly?: string;
  run: (c: Parameters<RouteHandler<R, AppEnv>>[0], call: RouteCall<A>) => ReturnType<RouteHandler<R, AppEnv>>;
}

export function defineRoute<R extends RouteConfig, A extends Access>(
  spec: RouteSpec<R, A>,
): (app: App) => void {
  const key = `${spec.route.method.toUpperCase()} ${spec.route.path}`;
  if (spec.audit === false && !UNAUDITED_ROUTES.has(key)) {
    // the middleware would already have written the intent row: the list and the route must agree
    throw new Error(`${key} declares audit: false but is not in UNAUDITED_ROUTES (http/audit.ts)`);
  }
  const handler = async (c: Context<AppEnv>) => {
    const principal = authorize(c, spec);
    // a scoped token or an agent sees one cluster; an unscoped token (null) sees all
    const scopeCluster = principal?.clusterId ?? null;
    const ctx = await c.get("scope").serviceContext(principal?.actor ?? spec.actor ?? "anonymous", {
      intentId: c.get("auditIntentId"),
      ip: clientAddressOf(c),
      userAgent: c.req.header("user-agent")?.slice(0, 512) ?? null,
    });
    if (spec.audit) c.set("audit", { ...spec.audit, clusterId: scopeCluster });
    const param = await resolveNames(c, ctx, "param", scopeCluster);
    if (principal?.kind === "token" && typeof param?.clusterId === "string") {
      assertClusterAccess(principal, param.clusterId);
    }
    // A query filter on another cluster is refused as the path would be; bodies are the services' to check.
    const query = await resolveNames(c, ctx, "query", scopeCluster);
    if (principal?.kind === "token" && typeof query?.clusterId === "string") {
      assertClusterAccess(principal, query.clusterId);
    }
    const json = await resolveNames(c, ctx, "json", scopeCluster);
    if (spec.audit)
      c.set("audit", {
        ...spec.audit,
        ...attribution(spec.audit.resourceType, [param, json, query], scopeCluster),
      });
    return spec.run(c as never, { ctx, principal: principal as CallerOf<A> });
  };
  return (app) => {
    app.openapi(spec.route, handler as unknown as RouteHandler<R, AppEnv>);
  };
}

function authorize(
  c: Context<AppEnv>,
  spec: Pick<RouteSpec<RouteConfig, Access>, "access" | "audit" | "unscopedOnly">,
): AgentPrincipal | TokenPrincipal | null {
  if (spec.audit === false) c.set("audit", null);
  if (spec.access === "open") return null;
  if (spec.access === "agent") return requireAgent(c.get("principal"));
  const principal = requireRole(c.get("principal"), spec.access as ApiTokenRole);
  if (spec.unscopedOnly && principal.clusterId !== null) {
    // thrown here, before any lookup, so a scoped token learns nothing
    throw new AppError("forbidden", spec.unscopedOnly);
  }
  return principal;
}

/** The input field that names each kind of audited resource. */
const ID_FIELD: Record<string, string> = {
  machine: "machineId",
  pool: "poolId",
  cluster: "clusterId",
  api_token: "tokenId",
  query_template: "templateId",
  strategy: "strategyId",
  matching_policy: "policyId",
  duty_shift: "shiftId",
  subscription: "subscriptionId",
  order: "orderId",
};

/**
 * What a refused or failed request was about, for its audit row: the
 * resource of the route's type as the input names it (path first, then body,
 * then query), and its cluster.
 */
function attribution(resourceType: string, parts: (Validated | undefined)[], scopeCluster: string | null) {
  const first = (key: string | undefined) => {
    if (key) for (const part of parts) if (typeof part?.[key] === "string") return part[key] as string;
    return undefined;
  };
  return { resourceId: first(ID_FIELD[resourceType]) ?? null, clusterId: first("clusterId") ?? scopeCluster };
}

type Target = "param" | "query" | "json";
type Validated = Record<string, unknown>;

/**
 * Replaces names by ids in one part of the validated input. A pool name is
 * read inside the cluster the same part names (the path's cluster for
 * /v1/clusters/{c}/pools/{p}).
 */
async function resolveNames(
  c: Context<AppEnv>,
  ctx: ServiceContext,
  target: Target,
  visible: string | null,
): Promise<Validated | undefined> {
  const data = validated(c, target);
  if (!data) return undefined;
  const resolved: Validated = { ...data };
  if (typeof data.clusterId === "string") {
    resolved.clusterId = await resolveClusterRef(ctx, data.clusterId, visible);
  }
  if (typeof data.poolId === "string") {
    const inCluster = typeof resolved.clusterId === "string" ? resolved.clusterId : undefined;
    resolved.poolId = await resolvePoolRef(ctx, data.poolId, inCluster, visible);
  }
  if (typeof data.machineId === "string") {
    resolved.machineId = await resolveMachineRef(ctx, data.machineId, visible);
  }
  c.req.addValidatedData(target, resolved);
  return resolved;
}

function validated(c: Context<AppEnv>, target: Target): Validated | undefined {
  const data = (c.req.valid as (t: Target) => unknown)(target);
  return data !== null && typeof data === "object" && !Array.isArray(data) ? (data as Validated) : undefined;
}
