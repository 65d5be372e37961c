import type { Machine } from "../../../drizzle/schema/index.ts";
import type { ServiceCall } from "../context.ts";
import { findMachine, type MachineScope } from "./machine-lookup.ts";

export interface GetMachineInput {
  machineId: string;
  scopeClusterId: MachineScope;
}

export function getMachine({ ctx, input }: ServiceCall<GetMachineInput>): Promise<Machine> {
  return findMachine(ctx.db, input.machineId, input.scopeClusterId);
}
