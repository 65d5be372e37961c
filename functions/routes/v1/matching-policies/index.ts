import type { App } from "../../../http/hono-env.ts";
import { registerCreateMatchingPolicy } from "./create.ts";
import { registerDeleteMatchingPolicy } from "./delete.ts";
import { registerGetMatchingPolicy } from "./get.ts";
import { registerListMatchingPolicies } from "./list.ts";
import { registerUpdateMatchingPolicy } from "./update.ts";

/** Registers every /v1/matching-policies route (one route per file in this folder). */
export function registerMatchingPolicyRoutes(app: App): void {
  registerCreateMatchingPolicy(app);
  registerListMatchingPolicies(app);
  registerGetMatchingPolicy(app);
  registerUpdateMatchingPolicy(app);
  registerDeleteMatchingPolicy(app);
}
