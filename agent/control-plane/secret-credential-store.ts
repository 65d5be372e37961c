/**
 * The agent credential kept in a Kubernetes Secret, for agents running in a
 * cluster: the pod's filesystem is read-only and does not survive a restart,
 * and the registration token that got the credential works only once, so
 * the credential must outlive the pod. Both replicas read the same Secret.
 *
 * The Secret is created (empty) by the manifests, so the agent needs only
 * `get` and `update` on that one name (infra/agent/rbac.yaml): no `create`,
 * no `patch`. The credential sits under one key as the same JSON the file
 * store writes. Updates carry the resourceVersion read just before, so a
 * concurrent writer makes ours retry on its data instead of being
 * overwritten blindly; other keys of the Secret are kept.
 *
 * Errors name the Secret and the HTTP status, never the Secret's content.
 */
import type { CoreV1Api, V1Secret } from "@kubernetes/client-node";
import { type CredentialStore, parseStored, type StoredCredential } from "./credential-store.ts";

export const CREDENTIAL_SECRET_KEY = "credential";
const UPDATE_ATTEMPTS = 3;

export type SecretsApi = Pick<CoreV1Api, "readNamespacedSecret" | "replaceNamespacedSecret">;

export interface SecretLocation {
  namespace: string;
  name: string;
}

export function createSecretCredentialStore(api: SecretsApi, at: SecretLocation): CredentialStore {
  const where = `Secret ${at.namespace}/${at.name}`;
  const read = async (): Promise<V1Secret | null> => {
    try {
      return await api.readNamespacedSecret({ name: at.name, namespace: at.namespace });
    } catch (err) {
      if (statusOf(err) === 404) return null;
      throw describe(`cannot read ${where}`, err);
    }
  };
  return {
    async load() {
      const secret = await read();
      const encoded = secret?.data?.[CREDENTIAL_SECRET_KEY];
      if (!encoded) return null;
      return parseStored(
        `key "${CREDENTIAL_SECRET_KEY}" of ${where}`,
        Buffer.from(encoded, "base64").toString(),
      );
    },
    async save(credential: StoredCredential) {
      const body = JSON.stringify({ clusterId: credential.clusterId, credential: credential.credential });
      for (let attempt = 1; ; attempt++) {
        const secret = await read();
        if (!secret) {
          throw new Error(
            `${where} does not exist; create it empty (infra/agent/deployment.yaml does) so the agent can update it`,
          );
        }
        const updated: V1Secret = {
          ...secret,
          data: { ...secret.data, [CREDENTIAL_SECRET_KEY]: Buffer.from(body).toString("base64") },
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

export function statusOf(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "number" ? code : undefined;
}

/** The client's own message carries response bodies and headers; ours keeps the status and the API's reason. */
export function describe(what: string, err: unknown): Error {
  const status = statusOf(err);
  if (status === undefined) return new Error(`${what}: ${err instanceof Error ? err.message : String(err)}`);
  const body = (err as { body?: unknown }).body;
  const reason = typeof body === "string" ? safeReason(body) : undefined;
  return new Error(`${what}: HTTP ${status}${reason ? ` (${reason})` : ""}`);
}

function safeReason(body: string): string | undefined {
  try {
    const status = JSON.parse(body) as { message?: unknown };
    return typeof status.message === "string" ? status.message.slice(0, 200) : undefined;
  } catch {
    return undefined;
  }
}
