import type { App } from "../../../app.ts";

/** Registers every /v1 clusters route (one route per file in this folder). */
export function registerClusterRoutes(_app: App): void {}
