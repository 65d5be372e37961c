/**
 * Text values under keys of one Kubernetes Secret that the manifests create
 * (empty) and the agent may only `get` and `update`: the agent credential
 * and the offline transition queue live there. Updates carry the
 * resourceVersion read just before, so a concurrent writer (the other key's
 * owner, another replica) makes ours retry on its data instead of being
 * overwritten blindly; the Secret's other keys are kept.
 *
 * Errors name the Secret and the HTTP status, never the Secret's content.
 */
import type { CoreV1Api, V1Secret } from "@kubernetes/client-node";

const UPDATE_ATTEMPTS = 3;

export type SecretsApi = Pick<CoreV1Api, "readNamespacedSecret" | "replaceNamespacedSecret">;

export interface SecretLocation {
  namespace: string;
  name: string;
}

export interface SecretKeys {
  /** "Secret <namespace>/<name>", for messages */
  readonly where: string;
  /** the key's text; null when the Secret or the key does not exist */
  read(key: string): Promise<string | null>;
  /** sets the key, keeping the others; the Secret must exist */
  write(key: string, text: string): Promise<void>;
}

export function secretKeys(api: SecretsApi, at: SecretLocation): SecretKeys {
  const where = `Secret ${at.namespace}/${at.name}`;
  const readSecret = async (): Promise<V1Secret | null> => {
    try {
      return await api.readNamespacedSecret({ name: at.name, namespace: at.namespace });
    } catch (err) {
      if (statusOf(err) === 404) return null;
      throw describe(`cannot read ${where}`, err);
    }
  };
  return {
    where,
    async read(key) {
      const encoded = (await readSecret())?.data?.[key];
      return encoded ? Buffer.from(encoded, "base64").toString() : null;
    },
    async write(key, text) {
      for (let attempt = 1; ; attempt++) {
        const secret = await readSecret();
        if (!secret) {
          throw new Error(
            `${where} does not exist; create it empty (infra/agent/deployment.yaml does) so the agent can update it`,
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
