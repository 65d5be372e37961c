/**
 * Changes a subscription: any of name, event types (replaced whole),
 * channel, address and enabled flag. The row is locked, the change merged
 * into it and the merge checked whole (a new channel must suit the stored
 * address unless the change gives one). The change and its audit row
 * (`subscription.update`) commit together.
 */
import { eq } from "drizzle-orm";
import {
  type ContactChannel,
  type NotificationEventType,
  subscriptions,
} from "../../../drizzle/schema/index.ts";
import { recordAudit } from "../audit/record-audit.ts";
import type { ServiceCall } from "../context.ts";
import { withDbErrors } from "../db-errors.ts";
import {
  checkSubscription,
  findSubscription,
  type SubscriptionView,
  toSubscriptionView,
} from "./subscription-view.ts";

export interface SubscriptionChanges {
  name?: string | undefined;
  eventTypes?: NotificationEventType[] | undefined;
  channel?: ContactChannel | undefined;
  address?: string | undefined;
  enabled?: boolean | undefined;
}

export async function updateSubscription({
  ctx,
  input,
}: ServiceCall<{ id: string; changes: SubscriptionChanges }>): Promise<SubscriptionView> {
  const { changes } = input;
  const row = await withDbErrors(() =>
    ctx.db.transaction(async (tx) => {
      const current = await findSubscription(tx, input.id, { lock: true });
      const merged = {
        name: changes.name ?? current.name,
        eventTypes: changes.eventTypes ?? current.eventTypes,
        channel: changes.channel ?? current.channel,
        address: changes.address ?? current.address,
        enabled: changes.enabled ?? current.enabled,
      };
      checkSubscription(merged);
      const [updated] = await tx
        .update(subscriptions)
        .set({ ...merged, updatedAt: ctx.clock.now() })
        .where(eq(subscriptions.id, current.id))
        .returning();
      const { address, ...recorded } = changes;
      await recordAudit(tx, ctx, {
        action: "subscription.update",
        resourceType: "subscription",
        resourceId: current.id,
        // the address may hold a webhook's secret path: the row says only that it changed
        changes: { ...recorded, ...(address === undefined ? {} : { address: "<changed>" }) },
      });
      return updated!;
    }),
  );
  return toSubscriptionView(row);
}
