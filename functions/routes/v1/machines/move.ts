import { moveMachine } from "../../../services/machines/assign-machine.ts";
import { placementRoute } from "./placement.ts";

/** POST /v1/machines/{machineId}/move */
export const registerMoveMachine = placementRoute({
  verb: "move",
  summary: "Move an available, assigned machine to another pool, of this or another cluster (operator)",
  description:
    "The machine must meet the target pool's requirements. Moving to its own pool changes nothing. " +
    'clusterId and poolId take names too (poolId: a name within that cluster, or "cluster/pool").',
  service: moveMachine,
});
