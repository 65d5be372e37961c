import type { App } from "../../../http/hono-env.ts";
import { registerCompleteMaintenanceRequest } from "./complete.ts";
import { registerCreateMaintenanceRequest } from "./create.ts";

/** Registers every /v1/maintenance-requests route (one route per file in this folder). */
export function registerMaintenanceRequestRoutes(app: App): void {
  registerCreateMaintenanceRequest(app);
  registerCompleteMaintenanceRequest(app);
}
