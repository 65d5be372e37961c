import type { App } from "../../../http/hono-env.ts";
import { registerStatusAction } from "./status-action.ts";

/** POST /v1/machines/{machineId}/restore */
export function registerRestoreMachine(app: App): void {
  registerStatusAction(app, "restore");
}
