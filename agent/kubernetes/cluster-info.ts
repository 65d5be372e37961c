/**
 * What kubeadm join needs, read from the kubeconfig kubeadm publishes in
 * kube-public/cluster-info: the API server as host:port and the CA's public
 * key hash ("sha256:" + hex SHA-256 of the certificate's DER
 * SubjectPublicKeyInfo, what `kubeadm token create --print-join-command`
 * prints). Also the format checks for the operator's overrides.
 */
import { createHash, X509Certificate } from "node:crypto";
import { isIPv4, isIPv6 } from "node:net";
import { parse } from "yaml";
import { KubeError } from "./kube-error.ts";

export const CLUSTER_INFO = { namespace: "kube-public", name: "cluster-info" } as const;
const WHERE = `${CLUSTER_INFO.namespace}/${CLUSTER_INFO.name}`;

const CA_CERT_HASH = /^sha256:[0-9a-f]{64}$/;
const DNS_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export function isCaCertHash(value: string): boolean {
  return CA_CERT_HASH.test(value);
}

/** host:port with a DNS name, an IPv4 address or a bracketed IPv6 address, and a port 1-65535. */
export function isApiEndpoint(value: string): boolean {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(value);
  if (!match) return false;
  const port = Number(match[3]);
  if (port < 1 || port > 65535) return false;
  if (match[1] !== undefined) return isIPv6(match[1]);
  const host = match[2]!;
  return isIPv4(host) || (DNS_NAME.test(host) && !/^[\d.]+$/.test(host));
}

/** A kubeconfig server URL as host:port, with the scheme's default port when it has none. */
export function endpointFromServer(server: string): string {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new KubeError(`${WHERE}: the server "${server.slice(0, 200)}" is not a URL`);
  }
  const defaults: Record<string, string> = { "https:": "443", "http:": "80" };
  const fallback = defaults[url.protocol];
  if (fallback === undefined || !url.hostname) {
    throw new KubeError(`${WHERE}: the server "${server.slice(0, 200)}" is not an http(s) URL`);
  }
  // URL.hostname keeps the brackets of an IPv6 address, which is what host:port needs.
  return `${url.hostname}:${url.port || fallback}`;
}

/** The hash of the first certificate in `pem` (PEM or DER). */
export function caCertHashOf(certificate: Buffer | string): string {
  const cert = new X509Certificate(certificate);
  const spki = cert.publicKey.export({ type: "spki", format: "der" });
  return `sha256:${createHash("sha256").update(spki).digest("hex")}`;
}

type Kubeconfig = { clusters?: { cluster?: { server?: unknown; "certificate-authority-data"?: unknown } }[] };

/** Server and CA of the first cluster in cluster-info's `kubeconfig` key. */
export function joinInfoFromKubeconfig(text: string | undefined): { server: string; caData: string } {
  if (text === undefined || text.trim() === "") {
    throw new KubeError(`${WHERE} has no "kubeconfig" key: is this a kubeadm cluster?`);
  }
  let doc: Kubeconfig;
  try {
    doc = parse(text) as Kubeconfig;
  } catch (err) {
    throw new KubeError(`${WHERE}: its kubeconfig does not parse as YAML (${(err as Error).message})`);
  }
  const cluster = Array.isArray(doc?.clusters) ? doc.clusters[0]?.cluster : undefined;
  const server = cluster?.server;
  if (typeof server !== "string" || server === "") {
    throw new KubeError(`${WHERE}: its kubeconfig names no cluster server`);
  }
  const caData = cluster?.["certificate-authority-data"];
  if (typeof caData !== "string" || caData === "") {
    throw new KubeError(`${WHERE}: its kubeconfig has no certificate-authority-data`);
  }
  return { server, caData };
}

/** certificate-authority-data (base64 PEM) as its hash; a clear error when it is no certificate. */
export function caCertHashOfData(caData: string): string {
  try {
    return caCertHashOf(Buffer.from(caData, "base64"));
  } catch (err) {
    throw new KubeError(
      `${WHERE}: certificate-authority-data is not a certificate (${(err as Error).message})`,
    );
  }
}
