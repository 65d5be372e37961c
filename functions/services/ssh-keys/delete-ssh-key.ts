/**
 * Deletes a stored key unless a machine still needs it: every machine that
 * is not archived and names it by `sshKeyRef` (for the key named `default`,
 * also every machine with no key ref, which uses it) makes it a 409 with
 * their count. Machines name keys by text, so there is no foreign key to do
 * this; the check and the delete share a transaction that locks the key row,
 * so two deletes cannot both pass. (A machine given the name meanwhile by
 * PATCH /v1/machines is not held off; its agent then gets a 404 for the key
 * and the machine's own SSH steps fail loudly.)
 */
import { and, count, eq, isNull, ne, or } from "drizzle-orm";
import { machines } from "../../../drizzle/schema/machines.ts";
import { sshKeys } from "../../../drizzle/schema/ssh-keys.ts";
import { AppError } from "../../lib/errors.ts";
import { recordAudit } from "../audit/record-audit.ts";
import type { ServiceCall } from "../context.ts";
import { DEFAULT_SSH_KEY_NAME } from "./ssh-key-names.ts";
import { findSshKey, sshKeyNotFound } from "./ssh-key-view.ts";

export async function deleteSshKey({ ctx, input }: ServiceCall<{ sshKey: string }>): Promise<void> {
  const current = await findSshKey(ctx.db, input.sshKey);
  await ctx.db.transaction(async (tx) => {
    const [locked] = await tx.select().from(sshKeys).where(eq(sshKeys.id, current.id)).for("update");
    if (!locked) throw sshKeyNotFound(input.sshKey);
    const named = eq(machines.sshKeyRef, locked.name);
    const references = locked.name === DEFAULT_SSH_KEY_NAME ? or(named, isNull(machines.sshKeyRef)) : named;
    const [users] = await tx
      .select({ n: count() })
      .from(machines)
      .where(and(references, ne(machines.status, "archived")));
    const inUse = users?.n ?? 0;
    if (inUse > 0) {
      throw new AppError(
        "conflict",
        `SSH key ${locked.name} is used by ${inUse} machine(s) that are not archived; ` +
          "point their sshKeyRef elsewhere or archive them first",
        { sshKey: locked.name, machines: inUse },
      );
    }
    await tx.delete(sshKeys).where(eq(sshKeys.id, locked.id));
    await recordAudit(tx, ctx, {
      action: "ssh_key.delete",
      resourceType: "ssh_key",
      resourceId: locked.id,
      changes: { name: locked.name, fingerprint: locked.fingerprint, version: locked.version },
    });
  });
}
