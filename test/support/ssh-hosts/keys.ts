/**
 * Key material for test hosts: ed25519 keys from ssh-keygen (the format real
 * operators hand to ksp) and fingerprints computed the way `ssh-keygen -lf`
 * prints them, so tests can compare against what ssh2's hostVerifier sees.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface KeyPair {
  /** OpenSSH private key PEM ("-----BEGIN OPENSSH PRIVATE KEY-----"). */
  privateKey: string;
  /** One authorized_keys line: "ssh-ed25519 AAAA… comment". */
  publicKey: string;
  /** Private key file, mode 0600. */
  path: string;
}

export async function generateKeyPair(path: string, comment: string): Promise<KeyPair> {
  await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", path]);
  const [privateKey, publicKey] = await Promise.all([
    readFile(path, "utf8"),
    readFile(`${path}.pub`, "utf8"),
  ]);
  return { privateKey, publicKey: publicKey.trim(), path };
}

/** The raw key blob, as ssh2 hands it to `hostVerifier`. */
export function publicKeyBlob(publicKeyLine: string): Buffer {
  const blob = publicKeyLine.trim().split(/\s+/)[1];
  if (!blob) throw new Error(`not an OpenSSH public key line: ${publicKeyLine}`);
  return Buffer.from(blob, "base64");
}

/** "SHA256:<unpadded base64>" of a key blob. */
export function fingerprintOfBlob(blob: Buffer): string {
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

export function fingerprint(publicKeyLine: string): string {
  return fingerprintOfBlob(publicKeyBlob(publicKeyLine));
}
