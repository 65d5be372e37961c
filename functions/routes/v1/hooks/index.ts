import type { App } from "../../../http/hono-env.ts";
import { registerMaintenanceCompleteHook } from "./maintenance-complete.ts";

/** Registers every /v1/hooks route: inbound webhooks, authenticated by signature (one route per file). */
export function registerHookRoutes(app: App): void {
  registerMaintenanceCompleteHook(app);
}
