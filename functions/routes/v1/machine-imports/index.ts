import type { App } from "../../../app.ts";

/** Registers every /v1 machine-imports route (one route per file in this folder). */
export function registerMachineImportRoutes(_app: App): void {}
