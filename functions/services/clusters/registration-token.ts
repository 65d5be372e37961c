/**
 * One-time cluster registration tokens: generated here, shown to the caller
 * exactly once, stored only as their SHA-256 with an expiry. Issuing a new
 * one overwrites the stored hash, so the previous token stops working. The
 * token itself never reaches the audit row.
 */
import { and, eq, isNull } from "drizzle-orm";
import { clusters } from "../../../drizzle/schema/clusters.ts";
import { generateToken, hashToken } from "../../lib/tokens.ts";
import type { ServiceCall } from "../context.ts";
import { withClusterWrite } from "../unit-of-work.ts";
import { clusterAudit } from "./cluster-audit.ts";
import { clusterNotFound } from "./cluster-view.ts";

export interface IssuedRegistrationToken {
  registrationToken: string;
  registrationTokenHash: string;
  registrationTokenExpiresAt: Date;
}

export async function issueRegistrationToken(now: Date, ttlMs: number): Promise<IssuedRegistrationToken> {
  const registrationToken = generateToken("registration");
  return {
    registrationToken,
    registrationTokenHash: await hashToken(registrationToken),
    registrationTokenExpiresAt: new Date(now.getTime() + ttlMs),
  };
}

export interface RotateRegistrationTokenInput {
  clusterId: string;
  registrationTokenTtlMs: number;
}

export interface RotatedRegistrationToken {
  clusterId: string;
  registrationToken: string;
  registrationTokenExpiresAt: string;
}

export async function rotateRegistrationToken({
  ctx,
  input,
}: ServiceCall<RotateRegistrationTokenInput>): Promise<RotatedRegistrationToken> {
  const now = ctx.clock.now();
  const issued = await issueRegistrationToken(now, input.registrationTokenTtlMs);
  // the token is not part of the agent's view: no state version bump
  const row = await withClusterWrite(ctx, async (tx, write) => {
    const [rotated] = await tx
      .update(clusters)
      .set({
        registrationTokenHash: issued.registrationTokenHash,
        registrationTokenExpiresAt: issued.registrationTokenExpiresAt,
        updatedAt: now,
      })
      .where(and(eq(clusters.id, input.clusterId), isNull(clusters.deletedAt)))
      .returning({ id: clusters.id });
    if (!rotated) throw clusterNotFound(input.clusterId);
    write.audit(clusterAudit("cluster.registration_token.rotate", rotated.id));
    return rotated;
  });
  return {
    clusterId: row.id,
    registrationToken: issued.registrationToken,
    registrationTokenExpiresAt: issued.registrationTokenExpiresAt.toISOString(),
  };
}
