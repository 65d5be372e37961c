/**
 * An unscoped operator vouches for a machine's SSH identity (identity.ts):
 * the identity scope is cleared, so any cluster's pool may be given the
 * machine, and who confirmed it, and when, is kept on the row and in the
 * machine's history. A guarded write like the others: the row is locked, the
 * caller's `expectedVersion` checked, the version bumped; the audit row
 * (`machine.confirm_identity`) commits with it.
 */
import { sql } from "drizzle-orm";
import { type Machine, machines } from "../../../drizzle/schema/index.ts";
import { AppError } from "../../lib/errors.ts";
import type { ServiceCall } from "../context.ts";
import { withClusterWrite } from "../unit-of-work.ts";
import { MACHINE_IDENTITY_CONFIRMED_EVENT } from "./identity.ts";
import { machineAudit } from "./machine-audit.ts";
import {
  assertExpectedVersion,
  changedMeanwhile,
  findMachine,
  type MachineScope,
  recordMachineEvent,
  unchangedSince,
} from "./machine-lookup.ts";

export interface ConfirmIdentityInput {
  machineId: string;
  /** the caller's cluster scope: only an unscoped caller may confirm */
  scopeClusterId: MachineScope;
  expectedVersion?: number | undefined;
}

export async function confirmMachineIdentity({
  ctx,
  input,
}: ServiceCall<ConfirmIdentityInput>): Promise<Machine> {
  if (input.scopeClusterId !== null) {
    throw new AppError(
      "forbidden",
      "only an unscoped operator or admin token can confirm a machine's SSH identity; this token is scoped to a cluster",
      { scopeClusterId: input.scopeClusterId },
    );
  }
  return withClusterWrite(ctx, async (tx, write) => {
    const current = await findMachine(tx, input.machineId, null, { lock: true });
    assertExpectedVersion(current, input.expectedVersion);
    const now = ctx.clock.now();
    const [row] = await tx
      .update(machines)
      .set({
        identityScopeClusterId: null,
        identityConfirmedBy: ctx.actor,
        identityConfirmedAt: now,
        updatedAt: now,
        version: sql`${machines.version} + 1`,
      })
      .where(unchangedSince(current))
      .returning();
    if (!row) throw changedMeanwhile(current);
    await recordMachineEvent(tx, ctx, {
      kind: MACHINE_IDENTITY_CONFIRMED_EVENT,
      machine: row,
      metadata: {
        identitySetBy: current.identitySetBy,
        previousScopeClusterId: current.identityScopeClusterId,
        ip: current.ip,
        hostKeyFingerprint: current.hostKeyFingerprint,
      },
    });
    write.touch(row.clusterId);
    write.audit(machineAudit("confirm_identity", row.id, row.clusterId));
    return row;
  });
}
