import type { App } from "../../../http/hono-env.ts";
import { registerCreateStrategy } from "./create.ts";
import { registerDeleteStrategy } from "./delete.ts";
import { registerDisableStrategy } from "./disable.ts";
import { registerEnableStrategy } from "./enable.ts";
import { registerGetStrategy } from "./get.ts";
import { registerStrategyHistory } from "./history.ts";
import { registerListStrategies } from "./list.ts";
import { registerUpdateStrategy } from "./update.ts";

/** Registers every /v1/strategies route (one route per file in this folder). */
export function registerStrategyRoutes(app: App): void {
  registerCreateStrategy(app);
  registerListStrategies(app);
  registerGetStrategy(app);
  registerUpdateStrategy(app);
  registerDeleteStrategy(app);
  registerEnableStrategy(app);
  registerDisableStrategy(app);
  registerStrategyHistory(app);
}
