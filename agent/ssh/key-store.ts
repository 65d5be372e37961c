/**
 * Where a machine's SSH private key comes from, in this order:
 *
 * 1. a file in `--ssh-key-dir` named by the machine's keyRef (key-dir.ts):
 *    mounted keys keep working and win when both exist;
 * 2. otherwise the key the control plane stores under that name, released
 *    only while the machine is allocated to this cluster (stored-keys.ts).
 *
 * A machine with no keyRef uses the key named `default` in both places. When
 * neither has one, the refusal names both places looked at. Keys never leave
 * this process: they go to ssh2 and nowhere else (not a log or a result).
 */
import { keyRefusal, readKeyFile, type SshKey } from "./key-dir.ts";
import type { KeyedMachine, StoredSshKeys } from "./stored-keys.ts";

export type { SshKey } from "./key-dir.ts";
export type { KeyedMachine } from "./stored-keys.ts";

/** The key used for machines without a keyRef (a file, or a stored key, of that name). */
export const DEFAULT_KEY_NAME = "default";

export interface SshKeyStore {
  /** the machine's key; rejects with SshError("auth") naming what is missing (retryable while the control plane is away) */
  load(machine: KeyedMachine): Promise<SshKey>;
}

export interface SshKeyStoreOptions {
  /** `--ssh-key-dir`; null when the agent runs without one */
  dir: string | null;
  /** the control plane's stored keys; absent: files only */
  stored?: StoredSshKeys;
}

export function createSshKeyStore(options: SshKeyStoreOptions): SshKeyStore {
  return {
    async load(machine) {
      const name = machine.ssh.keyRef ?? DEFAULT_KEY_NAME;
      const file = await readKeyFile(options.dir, name);
      if (file.found) return file.key;
      const looked = [file.looked];
      if (options.stored) {
        const stored = await options.stored.lookup(machine, name);
        if (stored.found) return stored.key;
        looked.push(stored.looked);
      }
      throw keyRefusal(`no SSH key "${name}" for machine ${machine.id}: ${looked.join("; ")}`);
    },
  };
}
