/**
 * Turns a bearer token into a Principal. Tokens are looked up by their
 * SHA-256 (unique index), so the token itself is never stored or compared
 * in the clear. Unknown, revoked and expired tokens all answer the same
 * "unauthorized", so a caller learns nothing about which it was.
 */
import { and, eq, isNull } from "drizzle-orm";
import { apiTokens } from "../../../drizzle/schema/api-tokens.ts";
import { clusters } from "../../../drizzle/schema/clusters.ts";
import { AppError } from "../../lib/errors.ts";
import { hashToken, isGeneratedToken, TOKEN_PREFIXES } from "../../lib/tokens.ts";
import type { ServiceCall, ServiceContext } from "../context.ts";
import {
  cachedAgentCluster,
  forgetAgentCredential,
  rememberAgentCredential,
} from "./agent-credential-cache.ts";
import type { Principal } from "./principal.ts";

const LAST_USED_RESOLUTION_MS = 60_000;

const rejected = () =>
  new AppError("unauthorized", "the bearer token is missing, unknown, revoked or expired");

export async function authenticate({ ctx, input }: ServiceCall<{ token: string }>): Promise<Principal> {
  const { token } = input;
  if (token.length > 300) throw rejected();
  if (isGeneratedToken(token, "agent")) return authenticateAgent(ctx, await hashToken(token));
  // API tokens may be operator-chosen (KSP_ADMIN_TOKEN), so only the prefix is required.
  if (!token.startsWith(TOKEN_PREFIXES.api)) throw rejected();
  const hash = await hashToken(token);
  const [row] = await ctx.db.select().from(apiTokens).where(eq(apiTokens.tokenHash, hash)).limit(1);
  const now = ctx.clock.now();
  if (!row || row.revokedAt || (row.expiresAt && row.expiresAt <= now)) throw rejected();
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    // at most one write per token per minute: enough to spot unused tokens, cheap on hot paths
    await ctx.db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, row.id));
  }
  return {
    kind: "token",
    tokenId: row.id,
    role: row.role,
    clusterId: row.clusterId,
    actor: `token:${row.id}`,
  };
}

async function agentClusterOf(ctx: ServiceContext, hash: string): Promise<string | null> {
  const [cluster] = await ctx.db
    .select({ id: clusters.id })
    .from(clusters)
    .where(and(eq(clusters.agentCredentialHash, hash), isNull(clusters.deletedAt)))
    .limit(1);
  return cluster?.id ?? null;
}

async function authenticateAgent(ctx: ServiceContext, hash: string): Promise<Principal> {
  const cached = await cachedAgentCluster(ctx, hash);
  if (cached) return agentPrincipal(cached);
  const clusterId = await agentClusterOf(ctx, hash);
  if (!clusterId) throw rejected();
  if (ctx.coordination.sharedAcrossReplicas) {
    await rememberAgentCredential(ctx, hash, clusterId);
    // A rotation that committed after the read above may have run its invalidation before the
    // entry was written: read again once it is, so an entry the cache keeps for a day never
    // outlives its credential (a miss costs two indexed reads, an idle poll none).
    if ((await agentClusterOf(ctx, hash)) !== clusterId) {
      await forgetAgentCredential(ctx, clusterId);
      throw rejected();
    }
  }
  return agentPrincipal(clusterId);
}

const agentPrincipal = (clusterId: string): Principal => ({
  kind: "agent",
  clusterId,
  actor: `agent:${clusterId}`,
});
