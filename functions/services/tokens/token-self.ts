/**
 * The calling token's own record, so clients learn their role and scope from
 * one read instead of probing routes. Its cluster's name comes along because
 * that is what people recognise; the hash never leaves the table.
 */
import { eq } from "drizzle-orm";
import type { ApiTokenRole } from "../../../drizzle/schema/api-tokens.ts";
import { apiTokens } from "../../../drizzle/schema/api-tokens.ts";
import { clusters } from "../../../drizzle/schema/clusters.ts";
import { AppError } from "../../lib/errors.ts";
import type { ServiceCall } from "../context.ts";

export interface TokenSelfInput {
  /** the authenticated token's id (the principal's, never a client-supplied one) */
  tokenId: string;
}

export interface TokenSelfView {
  id: string;
  name: string;
  role: ApiTokenRole;
  /** null: every cluster */
  clusterId: string | null;
  /** null when the token is not scoped */
  clusterName: string | null;
  displayPrefix: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export async function getTokenSelf({ ctx, input }: ServiceCall<TokenSelfInput>): Promise<TokenSelfView> {
  const [row] = await ctx.db
    .select({ token: apiTokens, clusterName: clusters.name })
    .from(apiTokens)
    .leftJoin(clusters, eq(clusters.id, apiTokens.clusterId))
    .where(eq(apiTokens.id, input.tokenId))
    .limit(1);
  // authentication just found this token; gone now means it was deleted in between
  if (!row) throw new AppError("unauthorized", "the token no longer exists");
  const { token } = row;
  return {
    id: token.id,
    name: token.name,
    role: token.role,
    clusterId: token.clusterId,
    clusterName: token.clusterId === null ? null : (row.clusterName ?? null),
    displayPrefix: token.displayPrefix,
    createdAt: token.createdAt.toISOString(),
    expiresAt: iso(token.expiresAt),
    lastUsedAt: iso(token.lastUsedAt),
  };
}
