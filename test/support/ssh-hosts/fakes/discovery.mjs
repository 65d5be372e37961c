/**
 * kubeadm's token discovery (cmd/kubeadm/app/discovery/token), checked in
 * the same order and failing with the same messages: fetch
 * kube-public/cluster-info, require a signature for the token, verify it,
 * then pin the CA it carries against caCertHashes.
 *
 * The fake cannot verify JWS signatures (the stand-in has no bootstrap
 * signer), so it reads the token's Secret and applies the signer's rules:
 * a token is signed when its Secret exists, has the bootstrap token type
 * and usage-bootstrap-signing, and has not expired. It talks to the host's
 * kubeApiUrl whatever apiServerEndpoint says; messages name the endpoint,
 * as kubeadm's do.
 */
import { createHash, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { apiOf, request } from "./kube-http.mjs";

const CLUSTER_INFO = "/api/v1/namespaces/kube-public/configmaps/cluster-info";
const TOKEN_TYPE = "bootstrap.kubernetes.io/token";
const PIN_FORMAT = /^sha256:[0-9a-f]{64}$/i;

/** A discovery failure; kubeadm prefixes it with "couldn't validate the identity of the API Server: ". */
export class DiscoveryError extends Error {}

/** What Go's net/http says when the API server cannot be reached. */
function unreachable(endpoint, err) {
  const url = `https://${endpoint}${CLUSTER_INFO}?timeout=10s`;
  if (err === undefined || err?.cause?.code === "ECONNREFUSED") {
    return `Get "${url}": dial tcp ${endpoint}: connect: connection refused`;
  }
  if (err?.name === "TimeoutError") {
    return `Get "${url}": net/http: request canceled (Client.Timeout exceeded while awaiting headers)`;
  }
  return `Get "${url}": ${err?.cause?.message ?? err?.message ?? String(err)}`;
}

async function fetchClusterInfo(api, endpoint) {
  if (!api)
    throw new DiscoveryError(`failed to request the cluster-info ConfigMap: ${unreachable(endpoint)}`);
  let res;
  try {
    res = await request(api, "GET", CLUSTER_INFO);
  } catch (err) {
    throw new DiscoveryError(`failed to request the cluster-info ConfigMap: ${unreachable(endpoint, err)}`);
  }
  if (res.status !== 200) {
    throw new DiscoveryError(
      `failed to request the cluster-info ConfigMap: ${res.body?.message ?? `HTTP ${res.status}`}`,
    );
  }
  return res.body;
}

const decode = (data) =>
  Object.fromEntries(
    Object.entries(data ?? {}).map(([k, v]) => [k, Buffer.from(String(v), "base64").toString()]),
  );

/** The token's Secret data, as the bootstrap signer and the authenticator read it; undefined if absent. */
async function tokenSecret(api, id) {
  const res = await request(api, "GET", `/api/v1/namespaces/kube-system/secrets/bootstrap-token-${id}`);
  if (res.status === 404) return undefined;
  if (res.status !== 200)
    throw new DiscoveryError(`failed to request the cluster-info ConfigMap: ${res.body?.message}`);
  return res.body.type === TOKEN_TYPE ? decode(res.body.data) : undefined;
}

const expired = (data) => data.expiration !== undefined && !(Date.parse(data.expiration) > Date.now());

/** The JWS checks: is the token signed (exists, for signing, not expired), and does the secret match. */
function checkToken(data, id, secret) {
  if (!data || data["token-id"] !== id || data["usage-bootstrap-signing"] !== "true") {
    throw new DiscoveryError(
      `could not find a JWS signature in the cluster-info ConfigMap for token ID "${id}"`,
    );
  }
  if (expired(data)) {
    throw new DiscoveryError(
      `token id "${id}" is invalid for this cluster or it has expired. Use "kubeadm token create" on the control-plane node to create a new valid token`,
    );
  }
  if (data["token-secret"] !== secret) {
    throw new DiscoveryError(
      "failed to verify JWS signature of received cluster info object, can't trust this API Server",
    );
  }
}

/** kubeadm's pin: SHA-256 of the certificate's DER SubjectPublicKeyInfo. */
export function pinOf(cert) {
  const spki = cert.publicKey.export({ type: "spki", format: "der" });
  return `sha256:${createHash("sha256").update(spki).digest("hex")}`;
}

function parseCertificates(pem) {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  try {
    const certs = blocks.map((b) => new X509Certificate(b));
    if (certs.length > 0) return certs;
  } catch {
    // falls through to kubeadm's message
  }
  throw new DiscoveryError(
    "failed to parse cluster CA from the cluster-info ConfigMap: data does not contain any valid RSA or ECDSA certificates",
  );
}

/** The cluster from cluster-info's kubeconfig, which must hold exactly one. */
function clusterOf(kubeconfigText) {
  if (!kubeconfigText) {
    throw new DiscoveryError(
      "there is no kubeconfig key in the cluster-info ConfigMap. This API Server isn't set up for token bootstrapping, can't connect",
    );
  }
  const clusters = parse(kubeconfigText)?.clusters ?? [];
  if (clusters.length !== 1) {
    throw new DiscoveryError(
      `expected the kubeconfig file in the cluster-info ConfigMap to have a single cluster, but it had ${clusters.length}`,
    );
  }
  return clusters[0].cluster ?? {};
}

/**
 * Runs discovery for `join` with `token` (never logged). Resolves the
 * cluster's CA (PEM) and server, and whether the token may also authenticate
 * (usage-bootstrap-authentication), which the rest of the join needs;
 * rejects with DiscoveryError.
 */
export async function discoverCluster(config, join, token) {
  const [id, secret] = token.split(".");
  const api = apiOf(config);
  const clusterInfo = await fetchClusterInfo(api, join.apiServerEndpoint);
  const data = await tokenSecret(api, id);
  checkToken(data, id, secret);
  if (!join.caCertHashes.every((h) => PIN_FORMAT.test(h))) {
    throw new DiscoveryError(
      'invalid discovery token CA certificate hash: invalid hash, expected "format:hex-value". Known format(s) are: sha256',
    );
  }
  const cluster = clusterOf(clusterInfo.data?.kubeconfig);
  const caPem = Buffer.from(cluster["certificate-authority-data"] ?? "", "base64").toString();
  const certs = parseCertificates(caPem);
  // Without pins (unsafeSkipCAVerification) kubeadm trusts whatever CA cluster-info names.
  const pins = join.caCertHashes.map((h) => h.toLowerCase());
  if (pins.length > 0 && !certs.some((c) => pins.includes(pinOf(c)))) {
    const found = certs.map(pinOf).join(":");
    throw new DiscoveryError(
      `cluster CA found in cluster-info ConfigMap is invalid: none of the public keys "${found}" are pinned`,
    );
  }
  return {
    caPem: caPem.endsWith("\n") ? caPem : `${caPem}\n`,
    server: cluster.server,
    authenticates: data["usage-bootstrap-authentication"] === "true",
  };
}

/** File discovery: the kubeconfig file names the cluster and its CA; there is nothing to pin. */
export function discoverFromFile(path) {
  let text;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new DiscoveryError(`open ${path}: no such file or directory`);
  }
  const cluster = clusterOf(text);
  const caPem = Buffer.from(cluster["certificate-authority-data"] ?? "", "base64").toString();
  parseCertificates(caPem);
  return { caPem: caPem.endsWith("\n") ? caPem : `${caPem}\n`, server: cluster.server, authenticates: true };
}
