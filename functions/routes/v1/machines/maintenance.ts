import type { App } from "../../../http/hono-env.ts";
import { registerStatusAction } from "./status-action.ts";

/** POST /v1/machines/{machineId}/maintenance */
export function registerMaintenanceMachine(app: App): void {
  registerStatusAction(app, "maintenance");
}
