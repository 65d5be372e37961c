/**
 * Makes sure someone can administer a fresh install.
 * - KSP_ADMIN_TOKEN set: that token is the `bootstrap-admin` admin token (an
 *   earlier bootstrap-admin with another hash is revoked, so rotating the
 *   variable rotates the credential).
 * - Not set: if no usable admin token exists, one is generated and returned
 *   so the caller can show it once; otherwise nothing happens.
 * Only hashes are stored. An advisory lock serialises concurrent starts
 * against one database, so two nodes never both mint a token.
 */
import { and, eq, gt, isNull, ne, or, sql } from "drizzle-orm";
import { apiTokens } from "../../../drizzle/schema/index.ts";
import { generateToken, hashToken, tokenDisplayPrefix } from "../../lib/tokens.ts";
import { recordAudit } from "../audit/record-audit.ts";
import type { ServiceCall } from "../context.ts";

export const BOOTSTRAP_TOKEN_NAME = "bootstrap-admin";

export interface EnsureAdminTokenInput {
  /** KSP_ADMIN_TOKEN, already validated by env.ts. */
  configuredToken?: string;
}

export type EnsureAdminTokenResult =
  /** `revokedTokenHashes`: earlier bootstrap tokens this call revoked (their markers must go, see worker-bootstrap.ts). */
  | { outcome: "configured"; tokenId: string; revokedTokenHashes: string[] }
  /** `token` is shown to the operator once and exists nowhere else. */
  | { outcome: "generated"; tokenId: string; token: string }
  | { outcome: "existing" };

export async function ensureAdminToken({
  ctx,
  input,
}: ServiceCall<EnsureAdminTokenInput>): Promise<EnsureAdminTokenResult> {
  const now = ctx.clock.now();
  return ctx.db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('ksp:bootstrap-admin'))`);
    // in this transaction: a bootstrap token never exists without its audit row
    const audit = (action: string, tokenId: string) =>
      recordAudit(tx, ctx, { action, resourceType: "api_token", resourceId: tokenId });

    if (input.configuredToken) {
      const tokenHash = await hashToken(input.configuredToken);
      // Any other bootstrap token stops working: the variable is the source of truth.
      const revoked = await tx
        .update(apiTokens)
        .set({ revokedAt: now })
        .where(
          and(
            eq(apiTokens.name, BOOTSTRAP_TOKEN_NAME),
            ne(apiTokens.tokenHash, tokenHash),
            isNull(apiTokens.revokedAt),
          ),
        )
        .returning({ tokenHash: apiTokens.tokenHash });
      const [row] = await tx
        .insert(apiTokens)
        .values({
          name: BOOTSTRAP_TOKEN_NAME,
          tokenHash,
          displayPrefix: tokenDisplayPrefix(input.configuredToken),
          role: "admin",
          createdBy: ctx.actor,
        })
        .onConflictDoUpdate({
          target: apiTokens.tokenHash,
          set: {
            name: BOOTSTRAP_TOKEN_NAME,
            role: "admin",
            clusterId: null,
            revokedAt: null,
            expiresAt: null,
          },
        })
        .returning({ id: apiTokens.id });
      await audit("api_token.bootstrap_configured", row!.id);
      return {
        outcome: "configured",
        tokenId: row!.id,
        revokedTokenHashes: revoked.map((r) => r.tokenHash),
      };
    }

    const [usable] = await tx
      .select({ id: apiTokens.id })
      .from(apiTokens)
      .where(
        and(
          eq(apiTokens.role, "admin"),
          isNull(apiTokens.clusterId),
          isNull(apiTokens.revokedAt),
          or(isNull(apiTokens.expiresAt), gt(apiTokens.expiresAt, now)),
        ),
      )
      .limit(1);
    if (usable) return { outcome: "existing" };

    const token = generateToken("api");
    const [row] = await tx
      .insert(apiTokens)
      .values({
        name: BOOTSTRAP_TOKEN_NAME,
        tokenHash: await hashToken(token),
        displayPrefix: tokenDisplayPrefix(token),
        role: "admin",
        createdBy: ctx.actor,
      })
      .returning({ id: apiTokens.id });
    await audit("api_token.bootstrap_generated", row!.id);
    return { outcome: "generated", tokenId: row!.id, token };
  });
}
