import type { App } from "../../../http/hono-env.ts";
import { registerArchiveMachine } from "./archive.ts";
import { registerAssignMachine } from "./assign.ts";
import { registerConfirmMachineIdentity } from "./confirm-identity.ts";
import { registerCreateMachine } from "./create.ts";
import { registerFaultMachine } from "./fault.ts";
import { registerGetMachine } from "./get.ts";
import { registerListMachines } from "./list.ts";
import { registerMaintenanceMachine } from "./maintenance.ts";
import { registerMoveMachine } from "./move.ts";
import { registerRestoreMachine } from "./restore.ts";
import { registerMachineSummary } from "./summary.ts";
import { registerUnassignMachine } from "./unassign.ts";
import { registerUpdateMachine } from "./update.ts";

/** Registers every /v1 machines route (one route per file in this folder). */
export function registerMachineRoutes(app: App): void {
  registerCreateMachine(app);
  registerListMachines(app);
  // before /v1/machines/{machineId}, which would take "summary" for a machine's name
  registerMachineSummary(app);
  registerGetMachine(app);
  registerUpdateMachine(app);
  registerAssignMachine(app);
  registerUnassignMachine(app);
  registerMoveMachine(app);
  registerMaintenanceMachine(app);
  registerFaultMachine(app);
  registerRestoreMachine(app);
  registerArchiveMachine(app);
  registerConfirmMachineIdentity(app);
}
