/**
 * Where the transition queue outlives a restart, next to the credential:
 *
 * - a file beside `--credential-file` (`<credential-file>.queue.json`),
 *   owner-only (0600) and replaced atomically, like the credential file;
 * - in a cluster, a key of the credential Secret (`transition-queue`): the
 *   agent already may `get` and `update` that Secret and nothing else, and
 *   the manifests create it, so the queue needs no RBAC or manifest of its
 *   own (agent/kubernetes/secret-keys.ts: a concurrent writer, e.g. a
 *   credential rotation, makes ours retry on its data). The queue's size
 *   bound keeps the Secret well under its 1 MiB limit.
 */
import { readFile } from "node:fs/promises";
import { writePrivateFile } from "../control-plane/credential-store.ts";
import { type SecretLocation, type SecretsApi, secretKeys } from "../kubernetes/secret-keys.ts";
import type { TransitionQueuePersistence } from "./transition-queue.ts";

export const TRANSITION_QUEUE_SECRET_KEY = "transition-queue";

/** The queue file beside the credential file. */
export const queueFileBeside = (credentialFile: string): string => `${credentialFile}.queue.json`;

export function createFileQueuePersistence(path: string): TransitionQueuePersistence {
  return {
    where: `file ${path}`,
    async read() {
      try {
        return await readFile(path, "utf8");
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
        throw err;
      }
    },
    write: (text) => writePrivateFile(path, `${text}\n`),
  };
}

export function createSecretQueuePersistence(
  api: SecretsApi,
  at: SecretLocation,
  key: string = TRANSITION_QUEUE_SECRET_KEY,
): TransitionQueuePersistence {
  const secret = secretKeys(api, at);
  return {
    where: `key "${key}" of ${secret.where}`,
    read: () => secret.read(key),
    write: (text) => secret.write(key, text),
  };
}
