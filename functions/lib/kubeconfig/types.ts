/**
 * A kubeconfig reduced to what the control plane may use: one cluster, one
 * user, no exec or auth-provider plugins (nothing here can run a program or
 * ask a person). Parsed by lib/kubeconfig/parse.ts; sealed at rest as the
 * original text.
 */
import type { KubeconfigAuthKind } from "../../../drizzle/schema/cluster-kubeconfigs.ts";

export type KubeconfigAuth =
  | { kind: "token"; token: string }
  | { kind: "client-certificate"; certificatePem: string; keyPem: string }
  | { kind: "basic"; username: string; password: string };

export interface ParsedKubeconfig {
  contextName: string;
  /** the API server's URL (https, or http for a local proxy) */
  server: string;
  /** PEM of certificate-authority-data; absent: the system's trust store */
  certificateAuthorityPem?: string;
  /** insecure-skip-tls-verify: true in the kubeconfig */
  insecureSkipTlsVerify: boolean;
  /** tls-server-name, when the certificate names another host than the URL */
  tlsServerName?: string;
  auth: KubeconfigAuth;
}

export type { KubeconfigAuthKind };
