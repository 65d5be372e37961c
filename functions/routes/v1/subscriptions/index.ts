import type { App } from "../../../http/hono-env.ts";
import { registerCreateSubscription } from "./create.ts";
import { registerDeleteSubscription } from "./delete.ts";
import { registerGetSubscription } from "./get.ts";
import { registerListSubscriptions } from "./list.ts";
import { registerUpdateSubscription } from "./update.ts";

/** Registers every /v1/subscriptions route (one route per file in this folder). */
export function registerSubscriptionRoutes(app: App): void {
  registerCreateSubscription(app);
  registerListSubscriptions(app);
  registerGetSubscription(app);
  registerUpdateSubscription(app);
  registerDeleteSubscription(app);
}
