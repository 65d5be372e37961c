import { assignMachine } from "../../../services/machines/assign-machine.ts";
import { placementRoute } from "./placement.ts";

/** POST /v1/machines/{machineId}/assign */
export const registerAssignMachine = placementRoute({
  verb: "assign",
  summary: "Put a free, available machine into a pool (operator)",
  description:
    "The machine must meet the pool's hardware requirements; the 409 lists every reason it does not. " +
    'clusterId and poolId take names too (poolId: a name within that cluster, or "cluster/pool").',
  service: assignMachine,
});
