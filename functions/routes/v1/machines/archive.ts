import type { App } from "../../../http/hono-env.ts";
import { registerStatusAction } from "./status-action.ts";

/** POST /v1/machines/{machineId}/archive */
export function registerArchiveMachine(app: App): void {
  registerStatusAction(app, "archive");
}
