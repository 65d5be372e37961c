import type { App } from "../../../http/hono-env.ts";
import { registerStatusAction } from "./status-action.ts";

/** POST /v1/machines/{machineId}/fault */
export function registerFaultMachine(app: App): void {
  registerStatusAction(app, "fault");
}
