/**
 * Operator status actions, each one transition through the state machine
 * from the status the machine is in now (guarded by the version read, so a
 * concurrent change makes it fail rather than act on a stale picture):
 *  - maintenance: take a machine out of service, with a reason;
 *  - fault: mark a machine broken, with a reason;
 *  - restore: maintenance | fault | archived → available;
 *  - archive: available | fault | maintenance → archived, never while in use.
 * Archiving also detaches the machine from its cluster: an archived machine
 * is history, and coming back (restore) puts it in the free inventory.
 * The audit row (`machine.<action>`) commits with the transition.
 */
import type { Machine } from "../../../drizzle/schema/index.ts";
import { IN_USE_STATES, type MachineState } from "../../../proto/machine-states.ts";
import { AppError } from "../../lib/errors.ts";
import type { ServiceCall } from "../context.ts";
import { withClusterWrite } from "../unit-of-work.ts";
import type { MachineRef } from "./assign-machine.ts";
import { withMachineWriteErrors } from "./db-write-error.ts";
import { machineAudit } from "./machine-audit.ts";
import { assertExpectedVersion, findMachine } from "./machine-lookup.ts";
import { applyTransitions, assertLegalTransition, type MachinePatch } from "./transition-machine.ts";

export const STATUS_ACTIONS = ["maintenance", "fault", "restore", "archive"] as const;
export type StatusAction = (typeof STATUS_ACTIONS)[number];

export interface StatusActionInput extends MachineRef {
  action: StatusAction;
  /** required for maintenance and fault */
  reason?: string | undefined;
}

interface ActionRule {
  to: MachineState;
  /** the states this action starts from; others are illegal for it even if the table allows them */
  from?: readonly MachineState[];
  patch?: MachinePatch;
}

const RULES: Record<StatusAction, ActionRule> = {
  maintenance: { to: "maintenance" },
  fault: { to: "fault" },
  // only states an operator put the machine in; reserved/joining/leaving → available belong to the agent
  restore: { to: "available", from: ["maintenance", "fault", "archived"] },
  archive: {
    to: "archived",
    from: ["available", "fault", "maintenance"],
    patch: { clusterId: null, poolId: null },
  },
};

function assertActionAllowed(machine: Machine, action: StatusAction, rule: ActionRule): void {
  if (action === "archive" && IN_USE_STATES.includes(machine.status)) {
    throw new AppError(
      "conflict",
      `machine ${machine.id} is in use (${machine.status}); scale its pool down before archiving it`,
      { machineId: machine.id, status: machine.status },
    );
  }
  if (rule.from && !rule.from.includes(machine.status)) {
    throw new AppError("illegal_transition", `${action} needs a machine in ${rule.from.join(", ")}`, {
      from: machine.status,
      to: rule.to,
      allowedFrom: rule.from,
    });
  }
  assertLegalTransition(machine.status, rule.to);
}

export async function changeMachineStatus({ ctx, input }: ServiceCall<StatusActionInput>): Promise<Machine> {
  const rule = RULES[input.action];
  const machine = await findMachine(ctx.db, input.machineId, input.scopeClusterId);
  assertExpectedVersion(machine, input.expectedVersion);
  assertActionAllowed(machine, input.action, rule);
  const transition = {
    machineId: machine.id,
    from: machine.status,
    to: rule.to,
    expectedVersion: machine.version,
    reason: input.reason,
    // archiving detaches the machine: record the cluster it left, as unassign does
    patch:
      rule.patch?.clusterId === null && machine.clusterId !== null
        ? { ...rule.patch, originClusterId: machine.clusterId }
        : rule.patch,
    metadata: { action: input.action },
  };
  // the cluster the machine was in when the operator acted (archive leaves it)
  const audit = machineAudit(
    input.action,
    machine.id,
    machine.clusterId,
    input.reason === undefined ? {} : { reason: input.reason },
  );
  // restoring an archived machine can clash with a live machine that took its address since
  return withMachineWriteErrors(machine.ip, () =>
    withClusterWrite(ctx, async (tx, write) => {
      const [changed] = await applyTransitions(tx, ctx, [transition], { write });
      write.audit(audit);
      return changed!;
    }),
  );
}
