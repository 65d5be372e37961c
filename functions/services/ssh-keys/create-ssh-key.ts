/**
 * Stores an SSH key under a name: a given OpenSSH private key, or a new
 * ed25519 key when none is given. The secret is sealed before the insert (its
 * associated data is the row's id, chosen here) and commits with its audit
 * row (`ssh_key.create`: name, type, fingerprint; never the key). A taken
 * name is a 409.
 */
import { sshKeys } from "../../../drizzle/schema/ssh-keys.ts";
import { AppError } from "../../lib/errors.ts";
import { recordAudit } from "../audit/record-audit.ts";
import type { ServiceCall } from "../context.ts";
import { mapDbError } from "../db-errors.ts";
import { requireEncryption } from "../secrets/require-encryption.ts";
import { type KeyInput, keyMaterial } from "./key-material.ts";
import { checkSshKeyName } from "./ssh-key-names.ts";
import { sealSshKeySecret } from "./ssh-key-secret.ts";
import { SSH_KEYS_FEATURE, type SshKeyView, toSshKeyView } from "./ssh-key-view.ts";

const NAME_CONSTRAINT = "ssh_keys_name_uq";

export interface CreateSshKeyInput extends KeyInput {
  name: string;
  description?: string | undefined;
}

export async function createSshKey({ ctx, input }: ServiceCall<CreateSshKeyInput>): Promise<SshKeyView> {
  checkSshKeyName(input.name);
  // bad input is a 400 whether or not the store is configured
  const material = await keyMaterial(input, input.name);
  const keyring = requireEncryption(ctx, SSH_KEYS_FEATURE);
  const id = crypto.randomUUID();
  const secretCiphertext = await sealSshKeySecret(keyring, id, material.secret);
  const now = ctx.clock.now();
  try {
    const row = await ctx.db.transaction(async (tx) => {
      const [inserted] = await tx
        .insert(sshKeys)
        .values({
          id,
          name: input.name,
          description: input.description ?? "",
          algorithm: material.algorithm,
          fingerprint: material.fingerprint,
          publicKey: material.publicKey,
          secretCiphertext,
          encryptionKeyId: keyring.currentKeyId,
          hasPassphrase: material.secret.passphrase !== undefined,
          createdAt: now,
          updatedAt: now,
        })
        .returning();
      await recordAudit(tx, ctx, {
        action: "ssh_key.create",
        resourceType: "ssh_key",
        resourceId: id,
        changes: {
          name: input.name,
          algorithm: material.algorithm,
          fingerprint: material.fingerprint,
          generated: material.generated,
        },
      });
      return inserted!;
    });
    return toSshKeyView(row);
  } catch (err) {
    const mapped = mapDbError(err);
    if (mapped?.details?.constraint === NAME_CONSTRAINT) {
      throw new AppError("conflict", `an SSH key named ${input.name} already exists`, {
        name: input.name,
        constraint: NAME_CONSTRAINT,
      });
    }
    throw mapped ?? err;
  }
}
