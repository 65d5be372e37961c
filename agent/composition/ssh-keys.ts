/**
 * The SSH key store as the lifecycle uses it: mounted keys first, then the
 * control plane's stored ones, kept in memory per machine this cluster holds
 * and forgotten on every change of the agent's view that shows a machine
 * gone or no longer in use. The state store knows nothing of keys and the
 * key store nothing of the state store: they meet here.
 */
import type { Logger } from "../../shared/logger.ts";
import type { ControlPlane } from "../control-plane/types.ts";
import { createSshKeyStore, type SshKeyStore } from "../ssh/key-store.ts";
import { createStoredSshKeys, type StoredSshKeys } from "../ssh/stored-keys.ts";
import type { StateStore } from "../state/store.ts";

export interface MachineKeys {
  keys: SshKeyStore;
  stored: StoredSshKeys;
  /** stops following the state and forgets every stored key */
  stop(): void;
}

export function createMachineKeys(deps: {
  sshKeyDir: string | null;
  controlPlane: Pick<ControlPlane, "fetchSshKey">;
  store: Pick<StateStore, "subscribe" | "view">;
  logger: Logger;
}): MachineKeys {
  const stored = createStoredSshKeys({
    fetch: (id) => deps.controlPlane.fetchSshKey(id),
    logger: deps.logger,
  });
  const unsubscribe = deps.store.subscribe(() => stored.retain(deps.store.view().machinesById.values()));
  return {
    keys: createSshKeyStore({ dir: deps.sshKeyDir, stored }),
    stored,
    stop() {
      unsubscribe();
      stored.clear();
    },
  };
}
