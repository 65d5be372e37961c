/**
 * Replaces a stored key's key pair (a given private key, or a new ed25519
 * one) under the same name, so every machine that names it gets the new key
 * on the agent's next fetch. A guarded write (`WHERE version = v`): of two
 * concurrent rotations one wins and the other is a 409, never a silent
 * overwrite. The audit row (`ssh_key.rotate`) has both fingerprints, never
 * the key.
 */
import { and, eq } from "drizzle-orm";
import { sshKeys } from "../../../drizzle/schema/ssh-keys.ts";
import { AppError } from "../../lib/errors.ts";
import { recordAudit } from "../audit/record-audit.ts";
import type { ServiceCall } from "../context.ts";
import { requireEncryption } from "../secrets/require-encryption.ts";
import { type KeyInput, keyMaterial } from "./key-material.ts";
import { sealSshKeySecret } from "./ssh-key-secret.ts";
import { findSshKey, SSH_KEYS_FEATURE, type SshKeyView, toSshKeyView } from "./ssh-key-view.ts";

export interface RotateSshKeyInput extends KeyInput {
  sshKey: string;
}

export async function rotateSshKey({ ctx, input }: ServiceCall<RotateSshKeyInput>): Promise<SshKeyView> {
  const current = await findSshKey(ctx.db, input.sshKey);
  const material = await keyMaterial(input, current.name);
  const keyring = requireEncryption(ctx, SSH_KEYS_FEATURE);
  const secretCiphertext = await sealSshKeySecret(keyring, current.id, material.secret);
  const now = ctx.clock.now();
  const row = await ctx.db.transaction(async (tx) => {
    const [updated] = await tx
      .update(sshKeys)
      .set({
        algorithm: material.algorithm,
        fingerprint: material.fingerprint,
        publicKey: material.publicKey,
        secretCiphertext,
        encryptionKeyId: keyring.currentKeyId,
        hasPassphrase: material.secret.passphrase !== undefined,
        version: current.version + 1,
        rotatedAt: now,
        updatedAt: now,
      })
      .where(and(eq(sshKeys.id, current.id), eq(sshKeys.version, current.version)))
      .returning();
    if (!updated) {
      throw new AppError("conflict", `SSH key ${current.name} was changed or deleted meanwhile; try again`, {
        sshKey: current.name,
      });
    }
    await recordAudit(tx, ctx, {
      action: "ssh_key.rotate",
      resourceType: "ssh_key",
      resourceId: current.id,
      changes: {
        name: current.name,
        algorithm: material.algorithm,
        fingerprint: { from: current.fingerprint, to: material.fingerprint },
        version: updated.version,
        generated: material.generated,
      },
    });
    return updated;
  });
  return toSshKeyView(row);
}
