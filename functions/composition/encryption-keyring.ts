/**
 * The keyring for secrets at rest, from KSP_ENCRYPTION_KEYS when set. An
 * embedded install (no DATABASE_URL) without it makes a key of its own once
 * and keeps it in the data dir, in the variable's own syntax so it can be
 * moved there as it is. A DATABASE_URL install may run several replicas, each
 * with its own disk, and a Worker has no disk: they get no keyring, and the
 * features that store secrets refuse until the variable is set; never a
 * silent plaintext fallback.
 */
import type { Logger } from "../../shared/logger.ts";
import { generateEncryptionKeyEntry, parseEncryptionKeys } from "../lib/crypto/encryption-keys.ts";
import { Keyring } from "../lib/crypto/keyring.ts";
import { dataDirSecret } from "./data-dir-secret.ts";

export const ENCRYPTION_KEY_FILE = "encryption-keys";
export const EMBEDDED_KEY_ID = "local1";

export async function dataDirKeyring(dataDir: string, logger: Logger): Promise<Keyring> {
  const { file, value, created } = await dataDirSecret(dataDir, ENCRYPTION_KEY_FILE, () =>
    generateEncryptionKeyEntry(EMBEDDED_KEY_ID),
  );
  const parsed = parseEncryptionKeys(value);
  // the problems name entries and ids, never key material
  if (!parsed.ok)
    throw new Error(`the encryption key file ${file} is invalid: ${parsed.problems.join("; ")}`);
  // the path, never the key: losing the file loses every secret stored with it
  if (created) logger.warn("generated an encryption key for secrets at rest; back this file up", { file });
  return new Keyring(parsed.keys);
}
