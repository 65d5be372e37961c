/**
 * Where the agent's SSH private keys come from: files in `--ssh-key-dir`
 * (in a cluster, a mounted Kubernetes Secret), chosen by the machine's
 * `keyRef`. A key is read when a connection needs it, so a rotated Secret
 * is picked up without a restart. Keys never leave this process: they go to
 * ssh2 and nowhere else (not to the control plane, a log or a result).
 */
import { readFile, realpath } from "node:fs/promises";
import path from "node:path";
import { SshError } from "./types.ts";

/** The file used for machines without a keyRef. */
export const DEFAULT_KEY_NAME = "default";
/** An optional sibling file holding the key's passphrase. */
export const PASSPHRASE_SUFFIX = ".passphrase";

export interface SshKey {
  key: string;
  passphrase?: string;
}

export interface SshKeyStore {
  /** the key for `keyRef` (null: the default key); rejects with SshError("auth") naming what is missing */
  load(keyRef: string | null): Promise<SshKey>;
}

// Segments of a Secret volume's keys (or subdirectories of projected volumes): no "..", no hidden files.
const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,252}$/;

/** The relative path a keyRef names, or null when it could escape the directory. */
export function keyPathOf(keyRef: string): string | null {
  const segments = keyRef.split("/");
  if (segments.length > 4 || !segments.every((s) => SEGMENT.test(s))) return null;
  return segments.join("/");
}

const refusal = (message: string) => new SshError("auth", message, { retryable: false });

export function createKeyDirStore(dir: string | null): SshKeyStore {
  return {
    async load(keyRef) {
      const name = keyRef ?? DEFAULT_KEY_NAME;
      if (dir === null) {
        throw refusal(`no SSH key for "${name}": the agent runs without --ssh-key-dir`);
      }
      const relative = keyPathOf(name);
      if (relative === null) {
        throw refusal(`SSH key reference "${name}" is not a plain file name (A-Z a-z 0-9 . _ - and /)`);
      }
      const file = path.join(dir, relative);
      let resolved: string;
      try {
        // Secret volumes are symlinks into ..data/; the target must still be inside the directory.
        resolved = await realpath(file);
      } catch {
        throw refusal(`no SSH key "${name}" in --ssh-key-dir ${dir}`);
      }
      const root = await realpath(dir);
      if (!resolved.startsWith(`${root}${path.sep}`)) {
        throw refusal(`SSH key "${name}" resolves outside --ssh-key-dir ${dir}`);
      }
      const key = await readFile(resolved, "utf8").catch(() => {
        throw refusal(`cannot read SSH key "${name}" in --ssh-key-dir ${dir}`);
      });
      const passphrase = await readFile(`${resolved}${PASSPHRASE_SUFFIX}`, "utf8").then(
        (text) => text.replace(/\r?\n$/, ""),
        () => undefined,
      );
      return passphrase === undefined ? { key } : { key, passphrase };
    },
  };
}
