/**
 * The start-up check of the Node entry: a control plane that could not open
 * the secrets it holds must not start and fail them one request at a time.
 * Stored values but no keyring (a DATABASE_URL install without
 * KSP_ENCRYPTION_KEYS), or values sealed with a key id the keyring does not
 * hold (a key removed too early), stop it with a message that names counts
 * and key ids, never key material. A Worker has no start to stop: there
 * GET /v1/encryption and the rotation job say the same.
 */
import type { Db } from "../../../drizzle/client.ts";
import type { Keyring } from "../../lib/crypto/keyring.ts";
import { encryptionStatusOf } from "./encryption-status.ts";
import { countSealedValues } from "./sealed-value-counts.ts";

const quoted = (ids: readonly string[]) => ids.map((id) => `"${id}"`).join(", ");

/** Why the stored secrets cannot be read with `keyring`; null when they can (or there are none). */
export async function unreadableSecretsProblem(db: Db, keyring: Keyring | undefined): Promise<string | null> {
  const status = encryptionStatusOf(keyring, await countSealedValues(db));
  const total = status.values.reduce((n, v) => n + v.total, 0);
  if (total === 0) return null;
  if (!keyring) {
    return (
      `${total} stored secret${total === 1 ? " is" : "s are"} encrypted but KSP_ENCRYPTION_KEYS is not set; ` +
      `set it to the keys they were written with (key id${status.unknownKeyIds.length === 1 ? "" : "s"} ` +
      `${quoted(status.unknownKeyIds)})`
    );
  }
  if (status.unknownKeyIds.length === 0) return null;
  const missing = new Set(status.unknownKeyIds);
  const affected = status.values.reduce(
    (n, v) => n + Object.entries(v.byKeyId).reduce((m, [id, count]) => m + (missing.has(id) ? count : 0), 0),
    0,
  );
  return (
    `${affected} stored secret${affected === 1 ? " is" : "s are"} encrypted with key ` +
    `id${missing.size === 1 ? "" : "s"} ${quoted(status.unknownKeyIds)} that the encryption keys ` +
    `(KSP_ENCRYPTION_KEYS, or the data dir's key file) do not include; add ${missing.size === 1 ? "it" : "them"} ` +
    "back after the current key, and remove an old key only once `ksp encryption status` (GET /v1/encryption) shows nothing pending rotation"
  );
}

/** Throws the problem as a start-up error (composition/node.ts). */
export async function refuseUnreadableSecrets(db: Db, keyring: Keyring | undefined): Promise<void> {
  const problem = await unreadableSecretsProblem(db, keyring);
  if (problem) throw new Error(problem);
}
