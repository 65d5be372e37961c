import type { App } from "../../../http/hono-env.ts";
import { registerListNotifications } from "./list.ts";

/** Registers every /v1/notifications route (one route per file in this folder). */
export function registerNotificationRoutes(app: App): void {
  registerListNotifications(app);
}
