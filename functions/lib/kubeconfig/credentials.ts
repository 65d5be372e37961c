/**
 * The `user` half of the chosen context: exactly one credential the control
 * plane can present by itself. Plugins (exec, auth-provider) would run a
 * program or ask a person; files do not exist here; impersonation would make
 * the checks act as someone else than the kubeconfig says.
 */
import { FLATTEN_HINT, optionalString, pemData, refuse, refuseFilePath, type YamlMap } from "./fields.ts";
import type { KubeconfigAuth } from "./types.ts";

const PLUGINS: Record<string, string> = {
  exec: "exec plugins (aws eks get-token, gke-gcloud-auth-plugin, kubelogin, …) run a program the control plane does not have",
  "auth-provider": "auth-provider plugins (oidc, gcp, azure) need a person or a program to refresh them",
};

const IMPERSONATION = ["as", "as-uid", "as-groups", "as-user-extra"];

// RFC 6750 bearer token characters, so a token never breaks the Authorization header
const BEARER_TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

export function readCredentials(user: YamlMap, where: string): KubeconfigAuth {
  for (const [key, why] of Object.entries(PLUGINS)) {
    if (user[key] !== undefined && user[key] !== null) {
      throw refuse(
        `${where}.${key} is not supported: ${why}; use a ServiceAccount token (or a client certificate) instead`,
        `${where}.${key}`,
      );
    }
  }
  for (const key of IMPERSONATION) {
    if (user[key] !== undefined && user[key] !== null) {
      throw refuse(`${where}.${key} (impersonation) is not supported`, `${where}.${key}`);
    }
  }
  refuseFilePath(user, "tokenFile", "token", where);
  refuseFilePath(user, "client-certificate", "client-certificate-data", where);
  refuseFilePath(user, "client-key", "client-key-data", where);

  const found: KubeconfigAuth[] = [];
  const token = optionalString(user, "token", where);
  if (token !== undefined) {
    if (!BEARER_TOKEN.test(token.trim())) {
      throw refuse(`${where}.token has characters a bearer token cannot have`, `${where}.token`);
    }
    found.push({ kind: "token", token: token.trim() });
  }
  const cert = pemData(user, "client-certificate-data", "CERTIFICATE", where);
  const key = pemData(user, "client-key-data", "PRIVATE KEY", where);
  if ((cert === undefined) !== (key === undefined)) {
    const missing = cert === undefined ? "client-certificate-data" : "client-key-data";
    throw refuse(
      `${where}.${missing} is missing: a client certificate needs both its certificate and its key`,
      `${where}.${missing}`,
    );
  }
  if (cert !== undefined && key !== undefined) {
    if (/-----BEGIN ENCRYPTED PRIVATE KEY-----/.test(key)) {
      throw refuse(
        `${where}.client-key-data is an encrypted key: the control plane has no passphrase for it`,
        `${where}.client-key-data`,
      );
    }
    found.push({ kind: "client-certificate", certificatePem: cert, keyPem: key });
  }
  const username = optionalString(user, "username", where);
  const password = optionalString(user, "password", where);
  if ((username === undefined) !== (password === undefined)) {
    const missing = username === undefined ? "username" : "password";
    throw refuse(
      `${where}.${missing} is missing: basic authentication needs both username and password`,
      `${where}.${missing}`,
    );
  }
  if (username !== undefined && password !== undefined) found.push({ kind: "basic", username, password });

  if (found.length === 0) {
    throw refuse(
      `${where} has no credentials the control plane can use: give token, client-certificate-data with client-key-data, or username with password; ${FLATTEN_HINT}`,
      where,
    );
  }
  if (found.length > 1) {
    throw refuse(
      `${where} has more than one credential (${found.map((f) => f.kind).join(", ")}); keep one`,
      where,
    );
  }
  return found[0]!;
}
