import type { App } from "../../../app.ts";

/** Registers every /v1 tokens route (one route per file in this folder). */
export function registerTokenRoutes(_app: App): void {}
