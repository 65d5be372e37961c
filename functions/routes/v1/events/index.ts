import type { App } from "../../../http/hono-env.ts";
import { registerExportEvents } from "./export.ts";
import { registerGetOperation } from "./get-operation.ts";
import { registerListEvents } from "./list.ts";

/** Registers every /v1 events route (one route per file in this folder). */
export function registerEventRoutes(app: App): void {
  registerListEvents(app);
  registerExportEvents(app);
  registerGetOperation(app);
}
