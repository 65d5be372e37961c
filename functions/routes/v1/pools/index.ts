import type { App } from "../../../http/hono-env.ts";
import { registerCreatePool } from "./create.ts";
import { registerDeletePool } from "./delete.ts";
import { registerDisablePool } from "./disable.ts";
import { registerEnablePool } from "./enable.ts";
import { registerGetPool } from "./get.ts";
import { registerPoolHistory } from "./history.ts";
import { registerListPools } from "./list.ts";
import { registerPoolStatus } from "./status.ts";
import { registerUpdatePool } from "./update.ts";

/** Registers every /v1 pools route (one route per file in this folder). */
export function registerPoolRoutes(app: App): void {
  registerCreatePool(app);
  registerListPools(app);
  registerGetPool(app);
  registerPoolStatus(app);
  registerPoolHistory(app);
  registerUpdatePool(app);
  registerEnablePool(app);
  registerDisablePool(app);
  registerDeletePool(app);
}
