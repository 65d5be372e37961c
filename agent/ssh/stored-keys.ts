/**
 * Stored keys: SSH keys the control plane keeps encrypted and releases to
 * this agent only for a machine allocated to its cluster (issue 16). They
 * live in this process's memory and nowhere else: never a file, a log line,
 * a metric, an event or a result. Each is cached per machine and machine
 * version, so a run of steps costs one release, and a transition (or a new
 * keyRef) fetches afresh, which is when a rotated key is picked up.
 *
 * The control plane releases a key only while the machine is in use here
 * (reserved through leaving). A machine that went to fault or maintenance is
 * still this cluster's, though, and a failed join is cleaned up (the host
 * reset) right after the move to fault: the key in memory serves it, without
 * asking. The key is forgotten when the machine leaves the cluster (back to
 * available, archived, or gone from the state): `retain` is called with the
 * current machines on every change of the agent's view. A fetch still in
 * flight when its machine leaves is not cached.
 *
 * While the control plane cannot be reached, a key cached for the machine is
 * used whatever the version it was cached at: the machine is still ours (it
 * would have been forgotten otherwise), and its key rarely changes.
 */
import { IN_USE_STATES, type MachineState } from "../../proto/machine-states.ts";
import type { Logger } from "../../shared/logger.ts";
import { isControlPlaneError } from "../control-plane/errors.ts";
import type { StoredSshKey } from "../control-plane/types.ts";
import { type KeyLookup, keyRefusal } from "./key-dir.ts";
import { SshError } from "./types.ts";

/** What the key store needs to know of a machine. */
export interface KeyedMachine {
  id: string;
  status: MachineState;
  version: number;
  ssh: { keyRef: string | null };
}

export interface StoredSshKeys {
  /** the stored key for `name` (the machine's keyRef, or the default) while the machine is ours */
  lookup(machine: KeyedMachine, name: string): Promise<KeyLookup>;
  /** forgets the key of every machine that is not among `machines`, or is among them but has left (available, archived) */
  retain(machines: Iterable<Pick<KeyedMachine, "id" | "status">>): void;
  /** forgets every key (the agent stops) */
  clear(): void;
  /** machine ids with a key in memory (for tests and debugging; never the keys) */
  cachedMachineIds(): string[];
}

export interface StoredSshKeysDeps {
  /** GET /v1/agent/machines/{id}/ssh-key; null when the control plane holds none for the machine (404) */
  fetch(machineId: string): Promise<StoredSshKey | null>;
  logger: Logger;
}

interface Entry {
  machineVersion: number;
  keyRef: string | null;
  key: StoredSshKey;
}

interface Inflight {
  machineVersion: number;
  keyRef: string | null;
  answer: Promise<StoredSshKey | null>;
}

/** states in which the control plane releases the machine's key */
const inUse = (status: MachineState) => IN_USE_STATES.includes(status);
/** states in which the machine is no longer this cluster's (a free one, or retired) */
const LEFT: readonly MachineState[] = ["available", "archived"];

/** The control plane may be back in a moment: not the machine's fault, not the key's. */
const outage = (err: unknown) => isControlPlaneError(err) && err.retryable;

export function createStoredSshKeys(deps: StoredSshKeysDeps): StoredSshKeys {
  const logger = deps.logger.child({ component: "ssh-keys" });
  const cache = new Map<string, Entry>();
  const inflight = new Map<string, Inflight>();

  const forget = (machineId: string, why: string) => {
    inflight.delete(machineId);
    if (!cache.delete(machineId)) return;
    logger.info("stored SSH key forgotten", { machineId, why });
  };

  /** one release per machine version, however many callers ask at once */
  function fetchOnce(machine: KeyedMachine): Promise<StoredSshKey | null> {
    const running = inflight.get(machine.id);
    if (running && running.machineVersion === machine.version && running.keyRef === machine.ssh.keyRef) {
      return running.answer;
    }
    const entry: Inflight = {
      machineVersion: machine.version,
      keyRef: machine.ssh.keyRef,
      answer: deps.fetch(machine.id),
    };
    inflight.set(machine.id, entry);
    const settle = (key: StoredSshKey | null) => {
      // a machine that left while we asked (forget removed the entry) keeps nothing here
      if (inflight.get(machine.id) !== entry) return;
      inflight.delete(machine.id);
      if (key === null) {
        forget(machine.id, "the control plane holds no stored key for it");
        return;
      }
      cache.set(machine.id, { machineVersion: machine.version, keyRef: machine.ssh.keyRef, key });
      logger.info("stored SSH key fetched", {
        machineId: machine.id,
        keyRef: key.keyRef,
        fingerprint: key.fingerprint,
        keyVersion: key.version,
      });
    };
    entry.answer.then(settle, () => {
      if (inflight.get(machine.id) === entry) inflight.delete(machine.id);
    });
    return entry.answer;
  }

  return {
    async lookup(machine, name) {
      const cached = cache.get(machine.id);
      if (!inUse(machine.status)) {
        // still ours (retain forgets machines that left), but the control plane would not release it again
        if (cached && cached.keyRef === machine.ssh.keyRef) return { found: true, key: keyOf(cached.key) };
        return {
          found: false,
          looked: `the control plane releases stored keys only while a machine is ${IN_USE_STATES.join(", ")} here (this one is ${machine.status})`,
        };
      }
      if (cached && cached.machineVersion === machine.version && cached.keyRef === machine.ssh.keyRef) {
        return { found: true, key: keyOf(cached.key) };
      }
      let key: StoredSshKey | null;
      try {
        key = await fetchOnce(machine);
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err);
        if (outage(err) && cached && cached.keyRef === machine.ssh.keyRef) {
          logger.warn("control plane unreachable; using the stored SSH key in memory", {
            machineId: machine.id,
            fingerprint: cached.key.fingerprint,
            keyVersion: cached.key.version,
            err: why,
          });
          return { found: true, key: keyOf(cached.key) };
        }
        if (outage(err)) {
          // retryable: the work is tried again later instead of failing the machine
          throw new SshError(
            "auth",
            `cannot fetch the stored SSH key "${name}" from the control plane: ${why}`,
            {
              retryable: true,
              cause: err,
            },
          );
        }
        throw keyRefusal(`the control plane refused the stored SSH key "${name}": ${why}`);
      }
      if (key === null)
        return { found: false, looked: `no stored key "${name}" for this machine in the control plane` };
      return { found: true, key: keyOf(key) };
    },
    retain(machines) {
      const held = new Set<string>();
      for (const m of machines) if (!LEFT.includes(m.status)) held.add(m.id);
      for (const id of [...cache.keys(), ...inflight.keys()]) {
        if (!held.has(id)) forget(id, "the machine left this cluster");
      }
    },
    clear() {
      inflight.clear();
      cache.clear();
    },
    cachedMachineIds: () => [...cache.keys()],
  };
}

const keyOf = (stored: StoredSshKey) =>
  stored.passphrase === undefined
    ? { key: stored.privateKey }
    : { key: stored.privateKey, passphrase: stored.passphrase };
