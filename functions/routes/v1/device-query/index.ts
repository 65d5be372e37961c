import type { App } from "../../../http/hono-env.ts";
import { registerDeviceQuery } from "./query.ts";

/** Registers POST /v1/device-query (one route per file in this folder). */
export function registerDeviceQueryRoutes(app: App): void {
  registerDeviceQuery(app);
}
