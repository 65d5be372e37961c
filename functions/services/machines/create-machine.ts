/**
 * Adds one machine to the free inventory: available, no cluster, no pool.
 * A live machine with the same address is refused by the partial unique
 * index (a racing duplicate included); archived machines free their address.
 * The audit row (`machine.create`, with the fields given) commits with it.
 */
import { type Machine, machines, type NewMachine } from "../../../drizzle/schema/index.ts";
import type { ServiceCall } from "../context.ts";
import { withClusterWrite } from "../unit-of-work.ts";
import { withMachineWriteErrors } from "./db-write-error.ts";
import { identityWrite } from "./identity.ts";
import { machineAudit } from "./machine-audit.ts";
import { type MachineScope, recordMachineEvent } from "./machine-lookup.ts";

export const MACHINE_CREATED_EVENT = "machine.created";

/** What a caller may set on a new machine; status, assignment and history are not among them. */
export type CreateMachineInput = Pick<NewMachine, "hostname" | "ip"> &
  Partial<
    Pick<
      NewMachine,
      | "sshUser"
      | "sshPort"
      | "sshKeyRef"
      | "hostKeyFingerprint"
      | "cpuCores"
      | "memoryBytes"
      | "gpuCount"
      | "gpuType"
      | "region"
      | "zone"
      | "rack"
      | "osImage"
      | "kernelVersion"
      | "kubeletVersion"
      | "containerRuntimeVersion"
      | "labels"
      | "taints"
      | "tags"
    >
  >;

export interface CreateMachineCall extends CreateMachineInput {
  /** the creating token's cluster scope: it scopes the machine's SSH identity (identity.ts) */
  scopeClusterId?: MachineScope;
}

export async function createMachine({ ctx, input }: ServiceCall<CreateMachineCall>): Promise<Machine> {
  const now = ctx.clock.now();
  const { scopeClusterId = null, ...fields } = input;
  return withMachineWriteErrors(input.ip, () =>
    // in the free inventory: no cluster's agent sees it, so no state version moves
    withClusterWrite(ctx, async (tx, write) => {
      const [row] = await tx
        .insert(machines)
        .values({
          ...fields,
          createdBy: ctx.actor,
          ...identityWrite(ctx.actor, scopeClusterId, null),
          status: "available",
          clusterId: null,
          poolId: null,
          statusChangedAt: now,
          createdAt: now,
          updatedAt: now,
        })
        .returning();
      await recordMachineEvent(tx, ctx, {
        kind: MACHINE_CREATED_EVENT,
        machine: row!,
        metadata: { hostname: row!.hostname, ip: row!.ip },
      });
      write.audit(machineAudit("create", row!.id, null, fields));
      return row!;
    }),
  );
}
