/**
 * Changes a stored key's description. The key pair, and so `version` (which
 * counts rotations), stay as they are.
 */
import { eq } from "drizzle-orm";
import { sshKeys } from "../../../drizzle/schema/ssh-keys.ts";
import { recordAudit } from "../audit/record-audit.ts";
import type { ServiceCall } from "../context.ts";
import { findSshKey, type SshKeyView, sshKeyNotFound, toSshKeyView } from "./ssh-key-view.ts";

export interface UpdateSshKeyInput {
  sshKey: string;
  description: string;
}

export async function updateSshKey({ ctx, input }: ServiceCall<UpdateSshKeyInput>): Promise<SshKeyView> {
  const current = await findSshKey(ctx.db, input.sshKey);
  const row = await ctx.db.transaction(async (tx) => {
    const [updated] = await tx
      .update(sshKeys)
      .set({ description: input.description, updatedAt: ctx.clock.now() })
      .where(eq(sshKeys.id, current.id))
      .returning();
    if (!updated) throw sshKeyNotFound(input.sshKey);
    await recordAudit(tx, ctx, {
      action: "ssh_key.update",
      resourceType: "ssh_key",
      resourceId: current.id,
      changes: { name: current.name, description: input.description },
    });
    return updated;
  });
  return toSshKeyView(row);
}
