import type { App } from "../../../http/hono-env.ts";
import { registerCreateDutyShift } from "./create.ts";
import { registerDeleteDutyShift } from "./delete.ts";
import { registerGetDutyShift } from "./get.ts";
import { registerListDutyShifts } from "./list.ts";
import { registerUpdateDutyShift } from "./update.ts";

/** Registers every /v1/duty-roster route (one route per file in this folder). */
export function registerDutyRosterRoutes(app: App): void {
  registerCreateDutyShift(app);
  registerListDutyShifts(app);
  registerGetDutyShift(app);
  registerUpdateDutyShift(app);
  registerDeleteDutyShift(app);
}
