import type { App } from "../../../http/hono-env.ts";
import { registerAgentAllocations } from "./allocations.ts";
import { registerAgentHeartbeat } from "./heartbeat.ts";
import { registerAgentHostKeys } from "./host-keys.ts";
import { registerRegisterAgent } from "./register.ts";
import { registerRotateAgentCredential } from "./rotate-credential.ts";
import { registerAgentScalingRefusals } from "./scaling-refusals.ts";
import { registerAgentSnapshots } from "./snapshots.ts";
import { registerAgentSshKey } from "./ssh-key.ts";
import { registerAgentState } from "./state.ts";
import { registerAgentTransitions } from "./transitions.ts";

/** Registers every /v1 agent route (one route per file in this folder). */
export function registerAgentRoutes(app: App): void {
  registerRegisterAgent(app);
  registerRotateAgentCredential(app);
  registerAgentHeartbeat(app);
  registerAgentState(app);
  registerAgentAllocations(app);
  registerAgentTransitions(app);
  registerAgentHostKeys(app);
  registerAgentSshKey(app);
  registerAgentSnapshots(app);
  registerAgentScalingRefusals(app);
}
