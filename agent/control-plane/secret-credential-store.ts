/**
 * The agent credential kept in a Kubernetes Secret, for agents running in a
 * cluster: the pod's filesystem is read-only and does not survive a restart,
 * and the registration token that got the credential works only once, so
 * the credential must outlive the pod. Both replicas read the same Secret.
 *
 * The Secret is created (empty) by the manifests, so the agent needs only
 * `get` and `update` on that one name (infra/agent/rbac.yaml): no `create`,
 * no `patch`. The credential sits under one key as the same JSON the file
 * store writes (see agent/kubernetes/secret-keys.ts for how it is updated).
 */
import { type SecretLocation, type SecretsApi, secretKeys } from "../kubernetes/secret-keys.ts";
import { type CredentialStore, parseStored, type StoredCredential } from "./credential-store.ts";

export const CREDENTIAL_SECRET_KEY = "credential";

export function createSecretCredentialStore(api: SecretsApi, at: SecretLocation): CredentialStore {
  const secret = secretKeys(api, at);
  return {
    async load() {
      const text = await secret.read(CREDENTIAL_SECRET_KEY);
      return text === null ? null : parseStored(`key "${CREDENTIAL_SECRET_KEY}" of ${secret.where}`, text);
    },
    async save(credential: StoredCredential) {
      const body = JSON.stringify({ clusterId: credential.clusterId, credential: credential.credential });
      await secret.write(CREDENTIAL_SECRET_KEY, body);
    },
  };
}
