/**
 * Agent registration: trades a cluster's one-time registration token for a
 * long-lived agent credential. One guarded UPDATE both checks the token
 * (hash, expiry, cluster not deleted, optional name) and consumes it, so two
 * agents racing with the same token cannot both win. The registration and
 * its audit row (`agent.register`) commit together.
 */
import { and, eq, gt, isNull } from "drizzle-orm";
import { clusters } from "../../../drizzle/schema/clusters.ts";
import type { RegisterAgentRequest, RegisterAgentResponse } from "../../../proto/agent-api.ts";
import { AppError } from "../../lib/errors.ts";
import { generateToken, hashToken, isGeneratedToken } from "../../lib/tokens.ts";
import { forgetAgentCredential } from "../auth/agent-credential-cache.ts";
import { clusterAudit } from "../clusters/cluster-audit.ts";
import type { ServiceCall } from "../context.ts";
import { withClusterWrite } from "../unit-of-work.ts";

/** One answer for unknown, used, expired and mismatched tokens: the caller learns nothing about which. */
const rejected = () =>
  new AppError("unauthorized", "the registration token is unknown, already used or expired");

export async function registerAgent({
  ctx,
  input,
}: ServiceCall<RegisterAgentRequest>): Promise<RegisterAgentResponse> {
  if (!isGeneratedToken(input.registrationToken, "registration")) throw rejected();
  const tokenHash = await hashToken(input.registrationToken);
  const credential = generateToken("agent");
  const credentialHash = await hashToken(credential);
  const now = ctx.clock.now();
  const guards = [
    eq(clusters.registrationTokenHash, tokenHash),
    gt(clusters.registrationTokenExpiresAt, now),
    isNull(clusters.deletedAt),
  ];
  // a mismatched name leaves the token unused: the operator can still register the right cluster
  if (input.clusterName !== undefined) guards.push(eq(clusters.name, input.clusterName));

  const row = await withClusterWrite(ctx, async (tx, write) => {
    const [registered] = await tx
      .update(clusters)
      .set({
        registrationTokenHash: null,
        registrationTokenExpiresAt: null,
        agentCredentialHash: credentialHash,
        agentCredentialRotatedAt: now,
        status: "active",
        registeredAt: now,
        agentVersion: input.agentVersion,
        kubernetesVersion: input.kubernetesVersion,
        updatedAt: now,
      })
      .where(and(...guards))
      .returning({ id: clusters.id, name: clusters.name });
    if (!registered) throw rejected();
    // also before the commit, so a crash before the delete after it cannot keep the old credential cached
    await forgetAgentCredential(ctx, registered.id);
    write.audit(
      clusterAudit("agent.register", registered.id, {
        agentVersion: input.agentVersion,
        kubernetesVersion: input.kubernetesVersion,
      }),
    );
    return registered;
  });
  // a re-registration replaces the credential: the previous one must stop working now
  await forgetAgentCredential(ctx, row.id);
  ctx.logger.info("agent registered", { clusterId: row.id, agentVersion: input.agentVersion });
  return { clusterId: row.id, clusterName: row.name, credential };
}
