import type { App } from "../../../http/hono-env.ts";
import { registerAutoscalingToggle } from "./autoscaling.ts";

/** POST /v1/clusters/{clusterId}/pools/{poolId}/enable */
export function registerEnablePool(app: App): void {
  registerAutoscalingToggle(app, true);
}
