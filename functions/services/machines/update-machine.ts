/**
 * Changes what an operator may change on a machine without a status change:
 * labels and tags (replaced whole), SSH access and location. The row is
 * locked for the read-compare-write, so concurrent updates queue instead of
 * failing; `expectedVersion` lets a client refuse to overwrite a change it
 * has not seen. A change that changes nothing writes nothing.
 *
 * On an assigned machine the agent sees these fields, so the cluster's state
 * version is bumped; and a change may not make the machine stop fitting its
 * pool (it would keep capacity the pool's requirements exclude). The audit
 * row (`machine.update`, with the changes asked for) commits with the change;
 * a request that changes nothing is recorded too.
 */
import { sql } from "drizzle-orm";
import { type Machine, machines, type NewMachine } from "../../../drizzle/schema/index.ts";
import type { ServiceCall } from "../context.ts";
import { withClusterWrite } from "../unit-of-work.ts";
import { withMachineWriteErrors } from "./db-write-error.ts";
import { identityWrite, isIdentityField } from "./identity.ts";
import { machineAudit } from "./machine-audit.ts";
import {
  assertExpectedVersion,
  assertFits,
  changedMeanwhile,
  findMachine,
  findTargetPool,
  type MachineScope,
  recordMachineEvent,
  unchangedSince,
} from "./machine-lookup.ts";
import { meetsRequirements } from "./requirements.ts";

export const MACHINE_UPDATED_EVENT = "machine.updated";

export const UPDATABLE_FIELDS = [
  "labels",
  "tags",
  "sshUser",
  "sshPort",
  "sshKeyRef",
  "hostKeyFingerprint",
  "region",
  "zone",
  "rack",
] as const satisfies readonly (keyof Machine)[];

export type MachineChanges = Partial<Pick<NewMachine, (typeof UPDATABLE_FIELDS)[number]>>;

export interface UpdateMachineInput {
  machineId: string;
  scopeClusterId: MachineScope;
  changes: MachineChanges;
  expectedVersion?: number | undefined;
}

/** Fields the pool's hardware requirements read; changing them re-checks the fit. */
const FIT_FIELDS = new Set<string>(["labels", "region", "zone"]);

/** Labels and tags compare by content: jsonb does not keep the key order they were sent in. */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return a === b;
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => sameValue(v, b[i]))
    );
  }
  const left = Object.entries(a);
  const right = b as Record<string, unknown>;
  return (
    left.length === Object.keys(right).length &&
    left.every(([k, v]) => Object.hasOwn(right, k) && sameValue(v, right[k]))
  );
}

function changesOf(current: Machine, changes: MachineChanges): MachineChanges {
  const changed: Record<string, unknown> = {};
  for (const field of UPDATABLE_FIELDS) {
    if (changes[field] !== undefined && !sameValue(changes[field], current[field]))
      changed[field] = changes[field];
  }
  return changed as MachineChanges;
}

export async function updateMachine({ ctx, input }: ServiceCall<UpdateMachineInput>): Promise<Machine> {
  return withMachineWriteErrors(null, () =>
    withClusterWrite(ctx, async (tx, write) => {
      const current = await findMachine(tx, input.machineId, input.scopeClusterId, { lock: true });
      assertExpectedVersion(current, input.expectedVersion);
      const values = changesOf(current, input.changes);
      const changed = Object.keys(values);
      write.audit(machineAudit("update", current.id, current.clusterId, { ...input.changes }));
      if (changed.length === 0) return current;

      if (current.poolId !== null && current.clusterId !== null && changed.some((f) => FIT_FIELDS.has(f))) {
        const pool = await findTargetPool(tx, current.clusterId, current.poolId);
        // a machine that already misfits (the pool's requirements changed) may still be edited
        if (meetsRequirements(current, pool).ok) assertFits({ ...current, ...values }, pool);
      }
      // SSH access is part of the machine's identity: record who set it, under which scope
      const identity = changed.some(isIdentityField)
        ? identityWrite(ctx.actor, input.scopeClusterId, current.identityScopeClusterId)
        : {};
      // the row is locked: the guard only restates that nothing changed since the read
      const [row] = await tx
        .update(machines)
        .set({ ...values, ...identity, updatedAt: ctx.clock.now(), version: sql`${machines.version} + 1` })
        .where(unchangedSince(current))
        .returning();
      if (!row) throw changedMeanwhile(current);
      await recordMachineEvent(tx, ctx, {
        kind: MACHINE_UPDATED_EVENT,
        machine: row,
        metadata: { changed, ...("identitySetBy" in identity ? { identity } : {}) },
      });
      write.touch(row.clusterId);
      return row;
    }),
  );
}
