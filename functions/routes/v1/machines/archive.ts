import { statusActionRoute } from "./status-action.ts";

/** POST /v1/machines/{machineId}/archive */
export const registerArchiveMachine = statusActionRoute("archive");
