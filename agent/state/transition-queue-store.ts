/**
 * Where the transition queue outlives a restart, next to the credential:
 *
 * - a file beside `--credential-file` (`<credential-file>.queue.json`),
 *   owner-only (0600) and replaced atomically, like the credential file;
 * - in a cluster, a key of the credential Secret (`transition-queue`): the
 *   agent already may `get` and `update` that Secret and nothing else, and
 *   the manifests create it, so the queue needs no RBAC or manifest of its
 *   own. Updates carry the resourceVersion read just before (a concurrent
 *   writer, e.g. a credential rotation, makes ours retry on its data) and
 *   keep the Secret's other keys. The queue's size bound keeps the Secret
 *   well under its 1 MiB limit.
 */
import { readFile } from "node:fs/promises";
import type { V1Secret } from "@kubernetes/client-node";
import { writePrivateFile } from "../control-plane/credential-store.ts";
import {
  describe,
  type SecretLocation,
  type SecretsApi,
  statusOf,
} from "../control-plane/secret-credential-store.ts";
import type { TransitionQueuePersistence } from "./transition-queue.ts";

export const TRANSITION_QUEUE_SECRET_KEY = "transition-queue";
const UPDATE_ATTEMPTS = 3;

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
  const where = `key "${key}" of Secret ${at.namespace}/${at.name}`;
  const read = async (): Promise<V1Secret | null> => {
    try {
      return await api.readNamespacedSecret({ name: at.name, namespace: at.namespace });
    } catch (err) {
      if (statusOf(err) === 404) return null;
      throw describe(`cannot read Secret ${at.namespace}/${at.name}`, err);
    }
  };
  return {
    where,
    async read() {
      const encoded = (await read())?.data?.[key];
      return encoded ? Buffer.from(encoded, "base64").toString() : null;
    },
    async write(text) {
      for (let attempt = 1; ; attempt++) {
        const secret = await read();
        if (!secret) {
          throw new Error(
            `Secret ${at.namespace}/${at.name} does not exist; create it empty (infra/agent/deployment.yaml does)`,
          );
        }
        const updated: V1Secret = {
          ...secret,
          data: { ...secret.data, [key]: Buffer.from(text).toString("base64") },
        };
        try {
          await api.replaceNamespacedSecret({ name: at.name, namespace: at.namespace, body: updated });
          return;
        } catch (err) {
          if (statusOf(err) === 409 && attempt < UPDATE_ATTEMPTS) continue;
          throw describe(`cannot update ${where}`, err);
        }
      }
    },
  };
}
