import type { App } from "../../../http/hono-env.ts";
import { registerApproveOrder } from "./approve.ts";
import { registerCancelOrder } from "./cancel.ts";
import { registerCreateOrder } from "./create.ts";
import { registerGetOrder } from "./get.ts";
import { registerIgnoreOrder } from "./ignore.ts";
import { registerListOrders } from "./list.ts";

/** Registers every /v1/orders route (one route per file in this folder). */
export function registerOrderRoutes(app: App): void {
  registerListOrders(app);
  registerGetOrder(app);
  registerCreateOrder(app);
  registerApproveOrder(app);
  registerIgnoreOrder(app);
  registerCancelOrder(app);
}
