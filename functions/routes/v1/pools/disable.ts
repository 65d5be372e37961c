import type { App } from "../../../http/hono-env.ts";
import { registerAutoscalingToggle } from "./autoscaling.ts";

/** POST /v1/clusters/{clusterId}/pools/{poolId}/disable */
export function registerDisablePool(app: App): void {
  registerAutoscalingToggle(app, false);
}
