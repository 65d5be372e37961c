/**
 * Mints an API token. The token is returned once; only its SHA-256 and a
 * short display prefix are stored. A cluster-scoped caller can only mint
 * tokens scoped to its own cluster, so scoping can never be widened. The
 * token and its audit row (`token.create`, never the token itself) commit
 * together.
 */
import { type ApiTokenRole, apiTokens } from "../../../drizzle/schema/api-tokens.ts";
import { AppError } from "../../lib/errors.ts";
import { generateToken, hashToken, tokenDisplayPrefix } from "../../lib/tokens.ts";
import { recordAudit } from "../audit/record-audit.ts";
import { liveCluster } from "../clusters/cluster-view.ts";
import type { ServiceCall } from "../context.ts";
import { withDbErrors } from "../db-errors.ts";
import { type ApiTokenView, toApiTokenView } from "./token-view.ts";

export interface CreateTokenInput {
  name: string;
  role: ApiTokenRole;
  clusterId?: string | null | undefined;
  expiresInSeconds?: number | undefined;
  /** the caller's own scope: null for an unscoped caller */
  callerClusterId: string | null;
}

export interface CreatedToken {
  apiToken: ApiTokenView;
  /** shown once */
  token: string;
}

export async function createToken({ ctx, input }: ServiceCall<CreateTokenInput>): Promise<CreatedToken> {
  const clusterId = input.clusterId ?? null;
  if (input.callerClusterId !== null && clusterId !== input.callerClusterId) {
    throw new AppError(
      "forbidden",
      "a cluster-scoped token can only create tokens scoped to its own cluster",
      { callerClusterId: input.callerClusterId, requestedClusterId: clusterId },
    );
  }
  const now = ctx.clock.now();
  const token = generateToken("api");
  const tokenHash = await hashToken(token);
  const row = await ctx.db.transaction(async (tx) => {
    // the foreign key alone would accept a soft-deleted cluster
    if (clusterId !== null) await liveCluster(tx, clusterId);
    const [inserted] = await withDbErrors(() =>
      tx
        .insert(apiTokens)
        .values({
          name: input.name,
          tokenHash,
          displayPrefix: tokenDisplayPrefix(token),
          role: input.role,
          clusterId,
          expiresAt:
            input.expiresInSeconds === undefined
              ? null
              : new Date(now.getTime() + input.expiresInSeconds * 1000),
          createdBy: ctx.actor,
          createdAt: now,
        })
        .returning(),
    );
    await recordAudit(tx, ctx, {
      action: "token.create",
      resourceType: "api_token",
      resourceId: inserted!.id,
      clusterId,
      changes: { name: input.name, role: input.role, expiresInSeconds: input.expiresInSeconds ?? null },
    });
    return inserted!;
  });
  return { apiToken: toApiTokenView(row), token };
}
