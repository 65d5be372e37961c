/**
 * A new agent credential for the caller's cluster. Only the hash is stored
 * and it replaces the previous one in the same UPDATE, so the old credential
 * stops working the moment this commits.
 */
import { and, eq, isNull } from "drizzle-orm";
import { clusters } from "../../../drizzle/schema/clusters.ts";
import type { RotatedCredential } from "../../../proto/agent-api.ts";
import { AppError } from "../../lib/errors.ts";
import { generateToken, hashToken } from "../../lib/tokens.ts";
import { forgetAgentCredential } from "../auth/agent-credential-cache.ts";
import type { ServiceCall } from "../context.ts";

export async function rotateAgentCredential({
  ctx,
  input,
}: ServiceCall<{ clusterId: string }>): Promise<RotatedCredential> {
  const credential = generateToken("agent");
  const now = ctx.clock.now();
  const [row] = await ctx.db
    .update(clusters)
    .set({ agentCredentialHash: await hashToken(credential), agentCredentialRotatedAt: now, updatedAt: now })
    .where(and(eq(clusters.id, input.clusterId), isNull(clusters.deletedAt)))
    .returning({ id: clusters.id });
  if (!row) throw new AppError("not_found", `cluster ${input.clusterId} not found`, input);
  await forgetAgentCredential(ctx, row.id);
  return { clusterId: row.id, credential, rotatedAt: now.toISOString() };
}
