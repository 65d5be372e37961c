/**
 * Hands an agent the stored SSH key of a machine its cluster holds. Any
 * cluster's agent may be handed any machine of the shared inventory, so a
 * key is released only for a machine assigned to the caller's cluster and in
 * use there (IN_USE_STATES: reserved through leaving), and only when its key
 * ref (or `default` without one) names a stored key. Every other case (a
 * machine of another cluster, a free one, one that has left, an unknown
 * machine, a ref naming no stored key) is the same 404, so the answer tells
 * a caller nothing about machines or keys it may not use.
 *
 * Each release is audited (`ssh_key.released`: machine, cluster, key name,
 * fingerprint, version), never with the key. A GET is not audited by the
 * middleware, so this writes its own row; if it cannot, the key is not
 * released (recordAudit fails closed).
 */
import { and, eq, inArray } from "drizzle-orm";
import { machines } from "../../../drizzle/schema/machines.ts";
import { sshKeys } from "../../../drizzle/schema/ssh-keys.ts";
import type { AgentSshKey } from "../../../proto/agent-api.ts";
import { IN_USE_STATES } from "../../../proto/machine-states.ts";
import { AppError } from "../../lib/errors.ts";
import { recordAudit } from "../audit/record-audit.ts";
import type { ServiceCall } from "../context.ts";
import { isUuid } from "../machines/ids.ts";
import { requireEncryption } from "../secrets/require-encryption.ts";
import { keyNameOf } from "../ssh-keys/ssh-key-names.ts";
import { openSshKeySecret } from "../ssh-keys/ssh-key-secret.ts";
import { SSH_KEYS_FEATURE } from "../ssh-keys/ssh-key-view.ts";

export const SSH_KEY_RELEASED_ACTION = "ssh_key.released";

export interface ReleaseSshKeyInput {
  clusterId: string;
  machineId: string;
}

/** The wire shape the agent parses (proto/agent-api.ts). */
export type ReleasedSshKey = AgentSshKey;

/** One answer for every refusal, naming only what the caller asked for. */
const noKey = (machineId: string) =>
  new AppError("not_found", `no stored SSH key for machine ${machineId} is available to this cluster`, {
    machineId,
  });

export async function releaseSshKey({
  ctx,
  input,
}: ServiceCall<ReleaseSshKeyInput>): Promise<ReleasedSshKey> {
  if (!isUuid(input.machineId)) throw noKey(input.machineId);
  // FOR SHARE: the machine cannot leave the cluster between this check and the audited release
  return ctx.db.transaction(async (tx) => {
    const [machine] = await tx
      .select({ id: machines.id, sshKeyRef: machines.sshKeyRef })
      .from(machines)
      .where(
        and(
          eq(machines.id, input.machineId),
          eq(machines.clusterId, input.clusterId),
          inArray(machines.status, [...IN_USE_STATES]),
        ),
      )
      .for("share");
    if (!machine) throw noKey(input.machineId);
    const keyRef = keyNameOf(machine.sshKeyRef);
    const [key] = await tx.select().from(sshKeys).where(eq(sshKeys.name, keyRef));
    if (!key) throw noKey(input.machineId);
    // only now: with no stored key the answer is the 404 above, not a 503 about encryption
    const keyring = requireEncryption(ctx, SSH_KEYS_FEATURE);
    const secret = await openSshKeySecret(keyring, key.id, key.secretCiphertext);
    await recordAudit(tx, ctx, {
      action: SSH_KEY_RELEASED_ACTION,
      resourceType: "ssh_key",
      resourceId: key.id,
      clusterId: input.clusterId,
      changes: {
        machineId: machine.id,
        keyName: key.name,
        fingerprint: key.fingerprint,
        version: key.version,
      },
    });
    const released: ReleasedSshKey = {
      machineId: machine.id,
      keyRef,
      fingerprint: key.fingerprint,
      version: key.version,
      privateKey: secret.privateKey,
    };
    if (secret.passphrase !== undefined) released.passphrase = secret.passphrase;
    return released;
  });
}
