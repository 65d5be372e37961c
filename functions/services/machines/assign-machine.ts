/**
 * Assignment of machines to pools by an operator:
 *  - assign: a free, available machine into a pool (it must meet the pool's requirements);
 *  - unassign: an assigned machine back to the free inventory, unless it is in use;
 *  - move: an available machine to another pool, possibly of another cluster.
 * None of them changes the status; all go through the guarded placement
 * writer (placement-write.ts), in a cluster write with their audit row.
 *
 * A cluster-scoped caller sees only its cluster's machines and may name only
 * its own cluster as the target (anything else is not found).
 * Assign and move refuse a machine whose SSH identity is scoped to another
 * cluster than the target's (identity.ts); unassign records the cluster the
 * machine left (`originClusterId`) and keeps its scope, so a cluster-scoped
 * token may return a machine to the free inventory without another cluster
 * being given it.
 */
import type { Db } from "../../../drizzle/client.ts";
import type { Machine } from "../../../drizzle/schema/index.ts";
import { IN_USE_STATES } from "../../../proto/machine-states.ts";
import { AppError } from "../../lib/errors.ts";
import type { ServiceCall } from "../context.ts";
import { withClusterWrite } from "../unit-of-work.ts";
import { assertIdentityAllows } from "./identity.ts";
import { machineAudit } from "./machine-audit.ts";
import {
  assertClusterInScope,
  assertExpectedVersion,
  assertFits,
  findMachine,
  findTargetPool,
  type MachineScope,
} from "./machine-lookup.ts";
import {
  MACHINE_ASSIGN_EVENT,
  MACHINE_MOVE_EVENT,
  MACHINE_UNASSIGN_EVENT,
  writePlacement,
} from "./placement-write.ts";

export { MACHINE_ASSIGN_EVENT, MACHINE_MOVE_EVENT, MACHINE_UNASSIGN_EVENT } from "./placement-write.ts";

export interface MachineRef {
  machineId: string;
  scopeClusterId: MachineScope;
  expectedVersion?: number | undefined;
}

export interface AssignMachineInput extends MachineRef {
  clusterId: string;
  poolId: string;
}

function assertAvailable(machine: Machine, verb: string): void {
  if (machine.status !== "available") {
    throw new AppError(
      "conflict",
      `only an available machine can be ${verb}; this one is ${machine.status}`,
      {
        machineId: machine.id,
        status: machine.status,
      },
    );
  }
}

/** Inside the write's transaction: the target pool exists in a live cluster and the machine fits it. */
async function fitsTarget(tx: Db, machine: Machine, target: { clusterId: string; poolId: string }) {
  assertFits(machine, await findTargetPool(tx, target.clusterId, target.poolId, { lock: true }));
}

const targetOf = (input: AssignMachineInput) => ({ clusterId: input.clusterId, poolId: input.poolId });

export async function assignMachine({ ctx, input }: ServiceCall<AssignMachineInput>): Promise<Machine> {
  assertClusterInScope(input.scopeClusterId, input.clusterId);
  const machine = await findMachine(ctx.db, input.machineId, input.scopeClusterId);
  assertExpectedVersion(machine, input.expectedVersion);
  if (machine.clusterId !== null) {
    throw new AppError("conflict", `machine ${machine.id} is already assigned; move or unassign it instead`, {
      machineId: machine.id,
      clusterId: machine.clusterId,
      poolId: machine.poolId,
    });
  }
  assertAvailable(machine, "assigned");
  assertIdentityAllows(machine, input.clusterId);
  return withClusterWrite(ctx, async (tx, write) => {
    await fitsTarget(tx, machine, input);
    const placed = await writePlacement(tx, ctx, write, {
      read: machine,
      to: targetOf(input),
      kind: MACHINE_ASSIGN_EVENT,
    });
    write.audit(machineAudit("assign", machine.id, input.clusterId, targetOf(input)));
    return placed;
  });
}

export async function unassignMachine({ ctx, input }: ServiceCall<MachineRef>): Promise<Machine> {
  const machine = await findMachine(ctx.db, input.machineId, input.scopeClusterId);
  assertExpectedVersion(machine, input.expectedVersion);
  if (machine.clusterId === null) {
    throw new AppError("conflict", `machine ${machine.id} is already in the free inventory`, {
      machineId: machine.id,
    });
  }
  if (IN_USE_STATES.includes(machine.status)) {
    throw new AppError(
      "conflict",
      `machine ${machine.id} is in use (${machine.status}); scale its pool down first`,
      { machineId: machine.id, status: machine.status },
    );
  }
  const free = { clusterId: null, poolId: null };
  return withClusterWrite(ctx, async (tx, write) => {
    const placed = await writePlacement(tx, ctx, write, {
      read: machine,
      to: free,
      kind: MACHINE_UNASSIGN_EVENT,
    });
    // the cluster it left: the change concerns that cluster's auditors
    write.audit(machineAudit("unassign", machine.id, machine.clusterId, free));
    return placed;
  });
}

export async function moveMachine({ ctx, input }: ServiceCall<AssignMachineInput>): Promise<Machine> {
  assertClusterInScope(input.scopeClusterId, input.clusterId);
  const machine = await findMachine(ctx.db, input.machineId, input.scopeClusterId);
  assertExpectedVersion(machine, input.expectedVersion);
  if (machine.clusterId === null) {
    throw new AppError("conflict", `machine ${machine.id} is in the free inventory; assign it instead`, {
      machineId: machine.id,
    });
  }
  assertAvailable(machine, "moved");
  const audit = machineAudit("move", machine.id, input.clusterId, targetOf(input));
  if (machine.clusterId === input.clusterId && machine.poolId === input.poolId) {
    // already there: nothing to write, but the request is still on record
    return withClusterWrite(ctx, async (_tx, write) => {
      write.audit(audit);
      return machine;
    });
  }
  assertIdentityAllows(machine, input.clusterId);
  return withClusterWrite(ctx, async (tx, write) => {
    await fitsTarget(tx, machine, input);
    const placed = await writePlacement(tx, ctx, write, {
      read: machine,
      to: targetOf(input),
      kind: MACHINE_MOVE_EVENT,
    });
    write.audit(audit);
    return placed;
  });
}
