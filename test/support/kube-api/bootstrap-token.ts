/**
 * Seeds a bootstrap token the way `kubeadm token create` stores one: Secret
 * `kube-system/bootstrap-token-<id>` of type bootstrap.kubernetes.io/token,
 * base64 data, an RFC 3339 expiration. Tests use it where a control plane
 * (not the agent under test) would have made the token.
 */
import { kubeTime } from "./object-meta.ts";
import type { KubeObject } from "./registry.ts";
import type { KubeStore } from "./store.ts";

export const BOOTSTRAP_TOKEN_TYPE = "bootstrap.kubernetes.io/token";
const TOKEN_FORMAT = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;

export interface BootstrapTokenOptions {
  /** Default: 24 h from now, kubeadm's default TTL. null: never expires (no expiration key). */
  expiresAt?: Date | null;
  /** Default both, as kubeadm creates join tokens. */
  usages?: ("authentication" | "signing")[];
  description?: string;
}

export function bootstrapTokenSecret(token: string, opts: BootstrapTokenOptions = {}): KubeObject {
  const m = TOKEN_FORMAT.exec(token);
  if (!m) throw new Error(`not a bootstrap token (<6>.<16> of [a-z0-9]): ${token.length} characters`);
  const [, id, secret] = m as unknown as [string, string, string];
  const expiresAt = opts.expiresAt === undefined ? new Date(Date.now() + 86_400_000) : opts.expiresAt;
  const data: Record<string, string> = {
    "token-id": id,
    "token-secret": secret,
    "auth-extra-groups": "system:bootstrappers:kubeadm:default-node-token",
  };
  if (expiresAt) data.expiration = kubeTime(expiresAt);
  if (opts.description) data.description = opts.description;
  for (const usage of opts.usages ?? ["authentication", "signing"]) data[`usage-bootstrap-${usage}`] = "true";
  return {
    metadata: { name: `bootstrap-token-${id}`, namespace: "kube-system" },
    type: BOOTSTRAP_TOKEN_TYPE,
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString("base64")])),
  };
}

export function createBootstrapToken(
  store: KubeStore,
  token: string,
  opts: BootstrapTokenOptions = {},
): KubeObject {
  return store.create("secrets", "kube-system", bootstrapTokenSecret(token, opts));
}
