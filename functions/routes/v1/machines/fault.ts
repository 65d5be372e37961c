import { statusActionRoute } from "./status-action.ts";

/** POST /v1/machines/{machineId}/fault */
export const registerFaultMachine = statusActionRoute("fault");
