import { strategyStatusToggle } from "./status-toggle.ts";

export const registerDisableStrategy = strategyStatusToggle("disabled");
