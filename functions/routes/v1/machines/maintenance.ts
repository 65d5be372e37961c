import { statusActionRoute } from "./status-action.ts";

/** POST /v1/machines/{machineId}/maintenance */
export const registerMaintenanceMachine = statusActionRoute("maintenance");
