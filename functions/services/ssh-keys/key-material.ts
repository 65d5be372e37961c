/**
 * What a create or rotate stores: from a given OpenSSH private key (checked,
 * lib/ssh-keys) or, without one, a new ed25519 key. The public half and the
 * fingerprint are derived here, never taken from the caller. A passphrase
 * must come with a protected key and only with one: the store cannot try it
 * (see parse-private-key.ts), but it can refuse the combinations that are
 * certainly wrong.
 */
import { AppError } from "../../lib/errors.ts";
import { generateEd25519 } from "../../lib/ssh-keys/generate-ed25519.ts";
import { parseOpenSshPrivateKey } from "../../lib/ssh-keys/parse-private-key.ts";
import { authorizedKeyLine, sshFingerprint } from "../../lib/ssh-keys/public-key.ts";
import type { SshKeySecret } from "./ssh-key-secret.ts";

export interface KeyInput {
  privateKey?: string | undefined;
  passphrase?: string | undefined;
}

export interface KeyMaterial {
  algorithm: string;
  fingerprint: string;
  publicKey: string;
  secret: SshKeySecret;
  generated: boolean;
}

/** `comment`: the authorized_keys comment (the key's name, so a line on a host says where it came from). */
export async function keyMaterial(input: KeyInput, comment: string): Promise<KeyMaterial> {
  if (input.privateKey === undefined) {
    if (input.passphrase !== undefined) {
      throw new AppError(
        "validation_failed",
        "passphrase: only with a privateKey (a generated key has none)",
        {
          path: "passphrase",
        },
      );
    }
    const key = await generateEd25519(comment);
    return {
      algorithm: key.algorithm,
      fingerprint: await sshFingerprint(key.publicBlob),
      publicKey: authorizedKeyLine(key.algorithm, key.publicBlob, comment),
      secret: { privateKey: key.privateKey },
      generated: true,
    };
  }
  const parsed = parseOpenSshPrivateKey(input.privateKey);
  if (parsed.encrypted && input.passphrase === undefined) {
    throw new AppError(
      "validation_failed",
      "passphrase: the key is passphrase-protected; give its passphrase",
      {
        path: "passphrase",
      },
    );
  }
  if (!parsed.encrypted && input.passphrase !== undefined) {
    throw new AppError(
      "validation_failed",
      "passphrase: the key is not passphrase-protected; leave passphrase out (or protect the key first)",
      { path: "passphrase" },
    );
  }
  const secret: SshKeySecret = { privateKey: normalised(input.privateKey) };
  if (input.passphrase !== undefined) secret.passphrase = input.passphrase;
  return {
    algorithm: parsed.algorithm,
    fingerprint: await sshFingerprint(parsed.publicBlob),
    publicKey: authorizedKeyLine(parsed.algorithm, parsed.publicBlob, comment),
    secret,
    generated: false,
  };
}

/** The file as ssh-keygen writes it: LF line ends, one final newline (ssh tools reject some other forms). */
function normalised(text: string): string {
  return `${text.trim().replace(/\r\n?/g, "\n")}\n`;
}
