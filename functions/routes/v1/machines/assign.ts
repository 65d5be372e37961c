import type { App } from "../../../http/hono-env.ts";
import { assignMachine } from "../../../services/machines/assign-machine.ts";
import { registerPlacementRoute } from "./placement.ts";

/** POST /v1/machines/{machineId}/assign */
export function registerAssignMachine(app: App): void {
  registerPlacementRoute(app, {
    verb: "assign",
    summary: "Put a free, available machine into a pool (operator)",
    description:
      "The machine must meet the pool's hardware requirements; the 409 lists every reason it does not.",
    service: assignMachine,
  });
}
