import { autoscalingToggle } from "./autoscaling.ts";

export const registerEnablePool = autoscalingToggle(true);
