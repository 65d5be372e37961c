/** Who the signed-in token is, as GET /v1/tokens/self tells it. */
export type Role = "viewer" | "operator" | "admin";

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

export interface Identity {
  role: Role;
  /** the token's name, as its creator gave it */
  tokenName: string;
  /** "all": every cluster; otherwise that one cluster only */
  scope: "all" | { clusterId: string; clusterName: string | null };
}

export function hasRole(identity: Identity | null, minimum: Role): boolean {
  return identity !== null && RANK[identity.role] >= RANK[minimum];
}
