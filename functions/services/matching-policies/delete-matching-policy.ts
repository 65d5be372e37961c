/**
 * Deletes a matching policy; unknown ids are not found. The deletion and its
 * audit row (`matching_policy.delete`) commit together.
 */
import { eq } from "drizzle-orm";
import { matchingPolicies } from "../../../drizzle/schema/index.ts";
import { recordAudit } from "../audit/record-audit.ts";
import type { ServiceCall } from "../context.ts";
import { isUuid } from "../machines/ids.ts";
import { type MatchingPolicyView, matchingPolicyNotFound, toMatchingPolicyView } from "./policy-view.ts";

export async function deleteMatchingPolicy({
  ctx,
  input,
}: ServiceCall<{ id: string }>): Promise<MatchingPolicyView> {
  if (!isUuid(input.id)) throw matchingPolicyNotFound(input.id);
  const row = await ctx.db.transaction(async (tx) => {
    const [deleted] = await tx.delete(matchingPolicies).where(eq(matchingPolicies.id, input.id)).returning();
    if (!deleted) throw matchingPolicyNotFound(input.id);
    await recordAudit(tx, ctx, {
      action: "matching_policy.delete",
      resourceType: "matching_policy",
      resourceId: deleted.id,
      changes: { poolType: deleted.poolType, action: deleted.action },
    });
    return deleted;
  });
  return toMatchingPolicyView(row);
}
