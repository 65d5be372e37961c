/**
 * Subscribes an address to event types: every notification of those types
 * goes to it (email through the email webhook adapter). The row and its audit
 * row (`subscription.create`) commit together.
 */

import type { ContactChannel, NotificationEventType } from "../../../drizzle/schema/index.ts";
import { subscriptions } from "../../../drizzle/schema/index.ts";
import { recordAudit } from "../audit/record-audit.ts";
import type { ServiceCall } from "../context.ts";
import { withDbErrors } from "../db-errors.ts";
import { checkSubscription, type SubscriptionView, toSubscriptionView } from "./subscription-view.ts";

export interface CreateSubscriptionInput {
  name: string;
  eventTypes: NotificationEventType[];
  channel: ContactChannel;
  address: string;
  enabled?: boolean | undefined;
}

export async function createSubscription({
  ctx,
  input,
}: ServiceCall<CreateSubscriptionInput>): Promise<SubscriptionView> {
  const settings = { ...input, enabled: input.enabled ?? true };
  checkSubscription(settings);
  const now = ctx.clock.now();
  const row = await withDbErrors(() =>
    ctx.db.transaction(async (tx) => {
      const [inserted] = await tx
        .insert(subscriptions)
        .values({ ...settings, createdBy: ctx.actor, createdAt: now, updatedAt: now })
        .returning();
      await recordAudit(tx, ctx, {
        action: "subscription.create",
        resourceType: "subscription",
        resourceId: inserted!.id,
        // the address may hold a webhook's secret path: the audit row names the channel only
        changes: {
          name: settings.name,
          eventTypes: settings.eventTypes,
          channel: settings.channel,
          enabled: settings.enabled,
        },
      });
      return inserted!;
    }),
  );
  return toSubscriptionView(row);
}
