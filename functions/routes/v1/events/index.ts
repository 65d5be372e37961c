import type { App } from "../../../app.ts";

/** Registers every /v1 events route (one route per file in this folder). */
export function registerEventRoutes(_app: App): void {}
