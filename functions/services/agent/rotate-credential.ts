/**
 * A new agent credential for the caller's cluster. Only the hash is stored
 * and it replaces the previous one in the same UPDATE, so the old credential
 * stops working the moment this commits, together with its audit row
 * (`agent.credential.rotate`).
 */
import { and, eq, isNull } from "drizzle-orm";
import { clusters } from "../../../drizzle/schema/clusters.ts";
import type { RotatedCredential } from "../../../proto/agent-api.ts";
import { AppError } from "../../lib/errors.ts";
import { generateToken, hashToken } from "../../lib/tokens.ts";
import { forgetAgentCredential } from "../auth/agent-credential-cache.ts";
import { clusterAudit } from "../clusters/cluster-audit.ts";
import type { ServiceCall } from "../context.ts";
import { withClusterWrite } from "../unit-of-work.ts";

export async function rotateAgentCredential({
  ctx,
  input,
}: ServiceCall<{ clusterId: string }>): Promise<RotatedCredential> {
  const credential = generateToken("agent");
  const now = ctx.clock.now();
  const credentialHash = await hashToken(credential);
  const row = await withClusterWrite(ctx, async (tx, write) => {
    const [rotated] = await tx
      .update(clusters)
      .set({ agentCredentialHash: credentialHash, agentCredentialRotatedAt: now, updatedAt: now })
      .where(and(eq(clusters.id, input.clusterId), isNull(clusters.deletedAt)))
      .returning({ id: clusters.id });
    if (!rotated) throw new AppError("not_found", `cluster ${input.clusterId} not found`, input);
    // also before the commit: a process that dies between the commit and the delete below then
    // leaves no cached credential behind (cache entries live a day: agent-credential-cache.ts)
    await forgetAgentCredential(ctx, rotated.id);
    write.audit(clusterAudit("agent.credential.rotate", rotated.id));
    return rotated;
  });
  await forgetAgentCredential(ctx, row.id);
  return { clusterId: row.id, credential, rotatedAt: now.toISOString() };
}
