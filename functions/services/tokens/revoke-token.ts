/**
 * Revokes an API token: it is refused from the next request on (the
 * authenticator checks revokedAt on every call). Revoking twice keeps the
 * first revocation time. Tokens of clusters the caller cannot see are not found.
 * The revocation and its audit row (`token.revoke`) commit together.
 */
import { and, eq, sql } from "drizzle-orm";
import { apiTokens } from "../../../drizzle/schema/api-tokens.ts";
import { AppError } from "../../lib/errors.ts";
import { recordAudit } from "../audit/record-audit.ts";
import type { ServiceCall } from "../context.ts";
import { isUuid } from "../machines/ids.ts";
import { type ApiTokenView, toApiTokenView } from "./token-view.ts";

export interface RevokeTokenInput {
  tokenId: string;
  scopeClusterId: string | null;
}

export async function revokeToken({ ctx, input }: ServiceCall<RevokeTokenInput>): Promise<ApiTokenView> {
  const notFound = new AppError("not_found", `token ${input.tokenId} not found`, { tokenId: input.tokenId });
  if (!isUuid(input.tokenId)) throw notFound;
  const visible = and(
    eq(apiTokens.id, input.tokenId),
    input.scopeClusterId === null ? undefined : eq(apiTokens.clusterId, input.scopeClusterId),
  );
  const row = await ctx.db.transaction(async (tx) => {
    const [revoked] = await tx
      .update(apiTokens)
      .set({
        revokedAt: sql`coalesce(${apiTokens.revokedAt}, ${ctx.clock.now().toISOString()}::timestamptz)`,
      })
      .where(visible)
      .returning();
    if (!revoked) throw notFound;
    await recordAudit(tx, ctx, {
      action: "token.revoke",
      resourceType: "api_token",
      resourceId: revoked.id,
      clusterId: revoked.clusterId,
    });
    return revoked;
  });
  return toApiTokenView(row);
}
