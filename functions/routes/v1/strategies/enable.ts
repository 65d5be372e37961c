import { strategyStatusToggle } from "./status-toggle.ts";

export const registerEnableStrategy = strategyStatusToggle("enabled");
