import type { App } from "../../../http/hono-env.ts";
import { registerImportMachines } from "./import.ts";

/** Registers every /v1 machine-imports route (one route per file in this folder). */
export function registerMachineImportRoutes(app: App): void {
  registerImportMachines(app);
}
