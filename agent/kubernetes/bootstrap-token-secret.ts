/**
 * The shape of a kubeadm bootstrap token and its Secret, as `kubeadm token
 * create` writes it (cmd/kubeadm/app/apis/bootstraptoken/v1 BootstrapTokenToSecret),
 * plus the label that marks the tokens this product made.
 */
import { randomInt } from "node:crypto";
import type { V1Secret } from "@kubernetes/client-node";
import { rfc3339Seconds } from "./rfc3339.ts";

export const TOKEN_NAMESPACE = "kube-system";
export const TOKEN_SECRET_TYPE = "bootstrap.kubernetes.io/token";
export const TOKEN_SECRET_PREFIX = "bootstrap-token-";
export const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
export const MANAGED_BY_VALUE = "ksp-agent";
export const NODE_TOKEN_GROUP = "system:bootstrappers:kubeadm:default-node-token";

const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
export const TOKEN_ID = /^[a-z0-9]{6}$/;
export const TOKEN_SECRET = /^[a-z0-9]{16}$/;

/** `length` characters of [a-z0-9]; randomInt draws by rejection, so every character is equally likely. */
export function randomTokenString(length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) out += ALPHABET[randomInt(ALPHABET.length)];
  return out;
}

export const tokenSecretName = (id: string) => `${TOKEN_SECRET_PREFIX}${id}`;

const DESCRIPTION_PREFIX = "ksp-agent ";

/** "ksp-agent <identity>: <what>": names the replica that made the token, for operators and for cleanup. */
export const tokenDescription = (identity: string, what: string) =>
  `${DESCRIPTION_PREFIX}${identity}: ${what}`;

/** The identity tokenDescription put in, or null for a description it did not write (identities hold no spaces). */
export function tokenCreator(description: string): string | null {
  if (!description.startsWith(DESCRIPTION_PREFIX)) return null;
  const end = description.indexOf(": ", DESCRIPTION_PREFIX.length);
  return end > DESCRIPTION_PREFIX.length ? description.slice(DESCRIPTION_PREFIX.length, end) : null;
}

const b64 = (value: string) => Buffer.from(value, "utf8").toString("base64");

export function bootstrapTokenSecret(input: {
  id: string;
  secret: string;
  expiresAt: Date;
  description: string;
}): V1Secret {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: tokenSecretName(input.id),
      namespace: TOKEN_NAMESPACE,
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE },
    },
    type: TOKEN_SECRET_TYPE,
    data: {
      description: b64(input.description),
      "token-id": b64(input.id),
      "token-secret": b64(input.secret),
      expiration: b64(rfc3339Seconds(input.expiresAt)),
      "usage-bootstrap-authentication": b64("true"),
      "usage-bootstrap-signing": b64("true"),
      "auth-extra-groups": b64(NODE_TOKEN_GROUP),
    },
  };
}

/** The Secret's description (data or stringData), "" when it has none. */
export function secretDescription(secret: V1Secret): string {
  if (secret.data?.description) return Buffer.from(secret.data.description, "base64").toString("utf8");
  return secret.stringData?.description ?? "";
}

/** The Secret's expiration, or null when it has none (kubeadm's "never expires") or it does not parse. */
export function secretExpiration(secret: V1Secret): Date | null {
  const raw = secret.data?.expiration ?? secret.stringData?.expiration;
  if (!raw) return null;
  const text = secret.data?.expiration ? Buffer.from(raw, "base64").toString("utf8") : raw;
  const at = new Date(text);
  return Number.isNaN(at.getTime()) ? null : at;
}
