import type { App } from "../../../app.ts";
import { registerAutoscalingToggle } from "./autoscaling.ts";

/** POST /v1/clusters/{clusterId}/pools/{poolId}/enable */
export function registerEnablePool(app: App): void {
  registerAutoscalingToggle(app, true);
}
