import { statusActionRoute } from "./status-action.ts";

/** POST /v1/machines/{machineId}/restore */
export const registerRestoreMachine = statusActionRoute("restore");
