/**
 * Kubeconfigs for tests, written the way `kubectl config view --raw
 * --flatten --minify` writes them. Each credential carries a distinctive,
 * random value, so a test can grep responses, logs and database dumps for it
 * (and for its base64).
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { stringify } from "yaml";

export const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");

/** Looks like a certificate to anything that reads PEM markers; the parser checks no more. */
export function fakeCertificatePem(label = "test"): string {
  const body = Buffer.from(`certificate ${label} ${randomBytes(24).toString("hex")}`).toString("base64");
  return `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
}

/** A real P-256 private key in PKCS#8 PEM. */
export function privateKeyPem(): string {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  return privateKey.export({ type: "pkcs8", format: "pem" }).toString();
}

const JWT_HEADER = "eyJhbGciOiJSUzI1NiJ9";

/** A ServiceAccount-style token (a JWT's alphabet) that appears nowhere else. */
export function uniqueToken(): string {
  return `${JWT_HEADER}.${randomBytes(24).toString("base64url")}.${randomBytes(32).toString("base64url")}`;
}

/**
 * Every spelling of a secret a leak could take: whole, as base64, and each
 * random piece of it (a token's segments, a PEM's body lines), so a message
 * that quotes part of a credential (a parser clipping a line) is caught too.
 */
export function secretSpellings(secret: string): string[] {
  const pieces = secret
    .split(/[.\n]/)
    .map((piece) => piece.trim())
    .filter((piece) => piece.length >= 16 && piece !== JWT_HEADER && !piece.startsWith("-----"));
  return [secret, b64(secret), ...pieces];
}

export interface KubeconfigSpec {
  server?: string;
  contextName?: string;
  clusterName?: string;
  userName?: string;
  /** extra fields of the cluster entry (certificate-authority-data, insecure-skip-tls-verify, …) */
  cluster?: Record<string, unknown>;
  /** the user entry's fields as they are (token, client-certificate-data, exec, …) */
  user: Record<string, unknown>;
  /** null: no current-context line */
  currentContext?: string | null;
  /** further contexts (with their own cluster and user entries) */
  extraContexts?: string[];
}

export function kubeconfigYaml(spec: KubeconfigSpec): string {
  const contextName = spec.contextName ?? "test-admin@test";
  const clusterName = spec.clusterName ?? "test";
  const userName = spec.userName ?? "test-admin";
  const extra = spec.extraContexts ?? [];
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: clusterName,
        cluster: { server: spec.server ?? "https://api.test.example:6443", ...spec.cluster },
      },
      ...extra.map((name) => ({
        name: `${name}-cluster`,
        cluster: { server: `https://${name}.example:6443` },
      })),
    ],
    contexts: [
      { name: contextName, context: { cluster: clusterName, user: userName } },
      ...extra.map((name) => ({ name, context: { cluster: `${name}-cluster`, user: `${name}-user` } })),
    ],
    ...(spec.currentContext === null ? {} : { "current-context": spec.currentContext ?? contextName }),
    preferences: {},
    users: [
      { name: userName, user: spec.user },
      ...extra.map((name) => ({ name: `${name}-user`, user: { token: uniqueToken() } })),
    ],
  });
}

/** A token kubeconfig and its token. */
export function tokenKubeconfig(overrides: Partial<KubeconfigSpec> = {}): { yaml: string; token: string } {
  const token = uniqueToken();
  return { yaml: kubeconfigYaml({ ...overrides, user: { token, ...overrides.user } }), token };
}

/** A client-certificate kubeconfig with its own CA, and its key. */
export function clientCertKubeconfig(overrides: Partial<KubeconfigSpec> = {}): {
  yaml: string;
  keyPem: string;
  certificatePem: string;
  caPem: string;
} {
  const keyPem = privateKeyPem();
  const certificatePem = fakeCertificatePem("client");
  const caPem = fakeCertificatePem("ca");
  const yaml = kubeconfigYaml({
    ...overrides,
    cluster: { "certificate-authority-data": b64(caPem), ...overrides.cluster },
    user: {
      "client-certificate-data": b64(certificatePem),
      "client-key-data": b64(keyPem),
      ...overrides.user,
    },
  });
  return { yaml, keyPem, certificatePem, caPem };
}

/** A basic-auth kubeconfig and its password. */
export function basicKubeconfig(overrides: Partial<KubeconfigSpec> = {}): { yaml: string; password: string } {
  const password = `pw-${randomBytes(18).toString("base64url")}`;
  return {
    yaml: kubeconfigYaml({ ...overrides, user: { username: "admin", password, ...overrides.user } }),
    password,
  };
}
