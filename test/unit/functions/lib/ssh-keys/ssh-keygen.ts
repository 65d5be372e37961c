/**
 * Real keys from the real ssh-keygen, made in a temporary directory, with
 * what `ssh-keygen -l` says their fingerprint is. Shared by the unit tests of
 * lib/ssh-keys and the /v1/ssh-keys route tests (it could live in test/support).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface KeygenKey {
  privateKey: string;
  /** the .pub file's line */
  publicKey: string;
  /** `ssh-keygen -lf` of the private key file: "SHA256:..." */
  fingerprint: string;
}

export type KeygenOptions = {
  type: "ed25519" | "rsa" | "ecdsa";
  bits?: number;
  passphrase?: string;
  format?: "PEM" | "PKCS8";
  /** the cipher protecting the key (ssh-keygen -Z), with a passphrase */
  cipher?: string;
};

export function sshKeygen(opts: KeygenOptions): KeygenKey {
  const dir = mkdtempSync(join(tmpdir(), "ksp-keygen-"));
  try {
    const file = join(dir, "id");
    const args = ["-q", "-t", opts.type, "-N", opts.passphrase ?? "", "-C", "test@keygen", "-f", file];
    if (opts.bits) args.push("-b", String(opts.bits));
    if (opts.format) args.push("-m", opts.format);
    if (opts.cipher) args.push("-Z", opts.cipher);
    execFileSync("ssh-keygen", args, { stdio: "pipe" });
    return {
      privateKey: readFileSync(file, "utf8"),
      publicKey: readFileSync(`${file}.pub`, "utf8").trim(),
      fingerprint: keygenFingerprint(`${file}.pub`),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `ssh-keygen -lf` of a public key line or a private key file's text. */
export function fingerprintOf(keyText: string, name = "key"): string {
  const dir = mkdtempSync(join(tmpdir(), "ksp-keygen-"));
  try {
    const file = join(dir, name);
    writeFileSync(file, keyText.endsWith("\n") ? keyText : `${keyText}\n`, { mode: 0o600 });
    return keygenFingerprint(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function keygenFingerprint(file: string): string {
  const out = execFileSync("ssh-keygen", ["-l", "-E", "sha256", "-f", file], { encoding: "utf8" });
  const fingerprint = out.split(" ")[1];
  if (!fingerprint?.startsWith("SHA256:")) throw new Error(`unexpected ssh-keygen -l output: ${out}`);
  return fingerprint;
}

/** ssh-keygen -y: the public key a private key file (unencrypted, or with its passphrase) derives. */
export function derivedPublicKey(privateKey: string, passphrase = ""): string {
  const dir = mkdtempSync(join(tmpdir(), "ksp-keygen-"));
  try {
    const file = join(dir, "id");
    writeFileSync(file, privateKey, { mode: 0o600 });
    return execFileSync("ssh-keygen", ["-y", "-P", passphrase, "-f", file], { encoding: "utf8" }).trim();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
