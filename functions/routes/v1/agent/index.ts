import type { App } from "../../../app.ts";

/** Registers every /v1 agent route (one route per file in this folder). */
export function registerAgentRoutes(_app: App): void {}
