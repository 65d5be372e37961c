import type { App } from "../../../http/hono-env.ts";
import { moveMachine } from "../../../services/machines/assign-machine.ts";
import { registerPlacementRoute } from "./placement.ts";

/** POST /v1/machines/{machineId}/move */
export function registerMoveMachine(app: App): void {
  registerPlacementRoute(app, {
    verb: "move",
    summary: "Move an available, assigned machine to another pool, of this or another cluster (operator)",
    description:
      "The machine must meet the target pool's requirements. Moving to its own pool changes nothing.",
    service: moveMachine,
  });
}
