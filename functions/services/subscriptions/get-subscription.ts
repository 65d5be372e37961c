/** One subscription by id; unknown (or malformed) ids are not found. */
import type { ServiceCall } from "../context.ts";
import { findSubscription, type SubscriptionView, toSubscriptionView } from "./subscription-view.ts";

export async function getSubscription({
  ctx,
  input,
}: ServiceCall<{ id: string }>): Promise<SubscriptionView> {
  return toSubscriptionView(await findSubscription(ctx.db, input.id));
}
