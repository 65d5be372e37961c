/**
 * The sealed half of a stored SSH key: the OpenSSH private key file's text
 * and its passphrase, as one JSON envelope (lib/crypto) whose associated data
 * is the row's id (sealed-values.ts), so a value copied onto another row
 * does not open there.
 */

import { DecryptionError } from "../../lib/crypto/decryption-error.ts";
import type { Keyring } from "../../lib/crypto/keyring.ts";
import { sshKeySecretAad } from "../secrets/sealed-values.ts";

export interface SshKeySecret {
  privateKey: string;
  passphrase?: string;
}

export function sealSshKeySecret(keyring: Keyring, sshKeyId: string, secret: SshKeySecret): Promise<string> {
  const value: SshKeySecret = { privateKey: secret.privateKey };
  if (secret.passphrase !== undefined) value.passphrase = secret.passphrase;
  return keyring.encrypt(JSON.stringify(value), sshKeySecretAad(sshKeyId));
}

/** Throws DecryptionError (a 500: the store cannot read what it wrote) when it does not open. */
export async function openSshKeySecret(
  keyring: Keyring,
  sshKeyId: string,
  ciphertext: string,
): Promise<SshKeySecret> {
  const text = await keyring.decryptString(ciphertext, sshKeySecretAad(sshKeyId));
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new DecryptionError("malformed", "the stored SSH key secret is not JSON", { sshKeyId });
  }
  const value = parsed as Partial<SshKeySecret> | null;
  if (typeof value?.privateKey !== "string" || !["string", "undefined"].includes(typeof value.passphrase)) {
    throw new DecryptionError("malformed", "the stored SSH key secret has the wrong shape", { sshKeyId });
  }
  return value as SshKeySecret;
}
