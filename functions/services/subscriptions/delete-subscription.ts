/** Deletes a subscription; unknown ids are not found. The deletion and its audit row commit together. */
import { eq } from "drizzle-orm";
import { subscriptions } from "../../../drizzle/schema/index.ts";
import { recordAudit } from "../audit/record-audit.ts";
import type { ServiceCall } from "../context.ts";
import { isUuid } from "../machines/ids.ts";
import { type SubscriptionView, subscriptionNotFound, toSubscriptionView } from "./subscription-view.ts";

export async function deleteSubscription({
  ctx,
  input,
}: ServiceCall<{ id: string }>): Promise<SubscriptionView> {
  if (!isUuid(input.id)) throw subscriptionNotFound(input.id);
  const row = await ctx.db.transaction(async (tx) => {
    const [deleted] = await tx.delete(subscriptions).where(eq(subscriptions.id, input.id)).returning();
    if (!deleted) throw subscriptionNotFound(input.id);
    await recordAudit(tx, ctx, {
      action: "subscription.delete",
      resourceType: "subscription",
      resourceId: deleted.id,
      changes: { name: deleted.name },
    });
    return deleted;
  });
  return toSubscriptionView(row);
}
