/**
 * Mounted keys: files in `--ssh-key-dir` (in a cluster, a Kubernetes Secret
 * volume), named by the machine's keyRef. Read when a connection needs one,
 * so a rotated Secret is picked up without a restart. "No such file" is an
 * answer (the key store then asks for a stored key); a file that exists but
 * escapes the directory or cannot be read is a refusal, never skipped: the
 * operator put something there, and a quiet fallback would hide the mistake.
 */
import { readFile, realpath } from "node:fs/promises";
import path from "node:path";
import { SshError } from "./types.ts";

/** An optional sibling file holding the key's passphrase. */
export const PASSPHRASE_SUFFIX = ".passphrase";

export interface SshKey {
  key: string;
  passphrase?: string;
}

/** A key, or what was looked at without finding one (for the error that names every place). */
export type KeyLookup = { found: true; key: SshKey } | { found: false; looked: string };

// Segments of a Secret volume's keys (or subdirectories of projected volumes): no "..", no hidden files.
const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,252}$/;

/** The relative path a keyRef names, or null when it could escape the directory. */
export function keyPathOf(keyRef: string): string | null {
  const segments = keyRef.split("/");
  if (segments.length > 4 || !segments.every((s) => SEGMENT.test(s))) return null;
  return segments.join("/");
}

export const keyRefusal = (message: string) => new SshError("auth", message, { retryable: false });

/** The key file for `name` in `dir`; `found: false` when there is no directory or no such file. */
export async function readKeyFile(dir: string | null, name: string): Promise<KeyLookup> {
  if (dir === null) return { found: false, looked: "the agent runs without --ssh-key-dir" };
  const relative = keyPathOf(name);
  if (relative === null) {
    return {
      found: false,
      looked: `"${name}" is not a plain file name for --ssh-key-dir (A-Z a-z 0-9 . _ - and /)`,
    };
  }
  const file = path.join(dir, relative);
  let resolved: string;
  try {
    // Secret volumes are symlinks into ..data/; the target must still be inside the directory.
    resolved = await realpath(file);
  } catch {
    return { found: false, looked: `no file "${relative}" in --ssh-key-dir ${dir}` };
  }
  const root = await realpath(dir).catch(() => dir);
  if (!resolved.startsWith(`${root}${path.sep}`)) {
    throw keyRefusal(`SSH key "${name}" resolves outside --ssh-key-dir ${dir}`);
  }
  const key = await readFile(resolved, "utf8").catch(() => {
    throw keyRefusal(`cannot read SSH key "${name}" in --ssh-key-dir ${dir}`);
  });
  const passphrase = await readFile(`${resolved}${PASSPHRASE_SUFFIX}`, "utf8").then(
    (text) => text.replace(/\r?\n$/, ""),
    () => undefined,
  );
  return { found: true, key: passphrase === undefined ? { key } : { key, passphrase } };
}
