import type { App } from "../../../http/hono-env.ts";
import { registerExportAudit } from "./export.ts";
import { registerListAudit } from "./list.ts";

/** Registers every /v1 audit route (one route per file in this folder). */
export function registerAuditRoutes(app: App): void {
  registerListAudit(app);
  registerExportAudit(app);
}
