import type { App } from "../../../app.ts";

/** Registers every /v1 machines route (one route per file in this folder). */
export function registerMachineRoutes(_app: App): void {}
