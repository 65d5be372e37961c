import { autoscalingToggle } from "./autoscaling.ts";

export const registerDisablePool = autoscalingToggle(false);
