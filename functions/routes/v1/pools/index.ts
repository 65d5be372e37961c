import type { App } from "../../../app.ts";

/** Registers every /v1 pools route (one route per file in this folder). */
export function registerPoolRoutes(_app: App): void {}
