/**
 * Who is calling, and the authorisation checks every /v1 handler uses.
 * API tokens carry a role and an optional cluster scope; an agent credential
 * reaches exactly one cluster. Checks throw AppError, so handlers stay thin.
 */
import type { ApiTokenRole } from "../../../drizzle/schema/api-tokens.ts";
import { AppError } from "../../lib/errors.ts";

export interface TokenPrincipal {
  kind: "token";
  tokenId: string;
  role: ApiTokenRole;
  /** null: every cluster */
  clusterId: string | null;
  /** written to audit rows and events: "token:<id>" */
  actor: string;
}

export interface AgentPrincipal {
  kind: "agent";
  clusterId: string;
  actor: string;
}

export type Principal = TokenPrincipal | AgentPrincipal;

const ROLE_RANK: Record<ApiTokenRole, number> = { viewer: 0, operator: 1, admin: 2 };

/** viewer: read; operator: change inventory; admin: tokens and cluster lifecycle. */
export function requireRole(principal: Principal | undefined, minimum: ApiTokenRole): TokenPrincipal {
  if (!principal) throw new AppError("unauthorized", "a bearer token is required");
  if (principal.kind !== "token") {
    throw new AppError("forbidden", "agent credentials can only call /v1/agent");
  }
  if (ROLE_RANK[principal.role] < ROLE_RANK[minimum]) {
    throw new AppError("forbidden", `this needs the ${minimum} role; the token has ${principal.role}`, {
      required: minimum,
      role: principal.role,
    });
  }
  return principal;
}

export function requireAgent(principal: Principal | undefined): AgentPrincipal {
  if (!principal) throw new AppError("unauthorized", "an agent credential is required");
  if (principal.kind !== "agent") throw new AppError("forbidden", "only an agent credential can call this");
  return principal;
}

/**
 * A token scoped to another cluster is told "not found", not "forbidden", so
 * it cannot probe which cluster ids exist.
 */
export function assertClusterAccess(principal: TokenPrincipal, clusterId: string): void {
  if (principal.clusterId !== null && principal.clusterId !== clusterId) {
    throw new AppError("not_found", `cluster ${clusterId} not found`, { clusterId });
  }
}

/** For list queries: the one cluster a scoped token may see, or null for all. */
export function clusterScopeOf(principal: TokenPrincipal): string | null {
  return principal.clusterId;
}
