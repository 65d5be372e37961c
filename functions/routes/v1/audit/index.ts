import type { App } from "../../../app.ts";

/** Registers every /v1 audit route (one route per file in this folder). */
export function registerAuditRoutes(_app: App): void {}
