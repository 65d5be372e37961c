import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { CoreV1Api } from "@kubernetes/client-node";
import { afterEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { apiError } from "../../../support/harness/kube-api.ts";
import {
  CLUSTER_CA_CERT_HASH,
  CLUSTER_CA_PEM,
  createBootstrapToken,
  type KubeApiServer,
  startKubeApiServer,
} from "../../../support/kube-api/index.ts";

/** The hash exactly as the kubeadm docs compute it for --discovery-token-ca-cert-hash. */
function opensslPin(pem: string): string {
  const pubkey = execFileSync("openssl", ["x509", "-pubkey", "-noout"], { input: pem });
  const der = execFileSync("openssl", ["pkey", "-pubin", "-outform", "der"], { input: pubkey });
  const digest = execFileSync("openssl", ["dgst", "-sha256", "-r"], { input: der }).toString();
  return `sha256:${digest.split(" ")[0]}`;
}

const decode = (data: Record<string, string> | undefined) =>
  Object.fromEntries(Object.entries(data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString()]));

describe("kube-api stand-in: kube-public/cluster-info and bootstrap tokens", () => {
  let kube: KubeApiServer | undefined;
  afterEach(async () => {
    await kube?.close();
    kube = undefined;
  });

  it("pins the CA by the SHA-256 of its public key, the way openssl computes it", () => {
    const cert = new X509Certificate(CLUSTER_CA_PEM);
    expect(cert.ca).toBe(true);
    expect(cert.subject).toBe("CN=kubernetes");
    expect(CLUSTER_CA_CERT_HASH).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(CLUSTER_CA_CERT_HASH).toBe(opensslPin(CLUSTER_CA_PEM));
  });

  it("publishes cluster-info with its own URL and the CA, readable with CoreV1Api", async () => {
    kube = await startKubeApiServer();
    const core = kube.kubeConfig().makeApiClient(CoreV1Api);
    const cm = await core.readNamespacedConfigMap({ namespace: "kube-public", name: "cluster-info" });
    const kubeconfig = parse(cm.data?.kubeconfig ?? "");
    expect(kubeconfig).toMatchObject({ apiVersion: "v1", kind: "Config" });
    expect(kubeconfig.clusters).toHaveLength(1);
    const cluster = kubeconfig.clusters[0].cluster;
    expect(cluster.server).toBe(kube.url);
    const ca = Buffer.from(cluster["certificate-authority-data"], "base64").toString();
    expect(ca).toBe(CLUSTER_CA_PEM);
    expect(opensslPin(ca)).toBe(CLUSTER_CA_CERT_HASH);
  });

  it("publishes nothing with clusterInfo: false", async () => {
    kube = await startKubeApiServer({ clusterInfo: false });
    const core = kube.kubeConfig().makeApiClient(CoreV1Api);
    const missing = await apiError(
      core.readNamespacedConfigMap({ namespace: "kube-public", name: "cluster-info" }),
      404,
    );
    expect(missing.message).toBe('configmaps "cluster-info" not found');
  });

  it("stores a bootstrap token as kubeadm does: typed Secret, base64 data, RFC 3339 expiration", async () => {
    kube = await startKubeApiServer();
    const expiresAt = new Date("2030-01-02T03:04:05.678Z");
    createBootstrapToken(kube.store, "abcdef.0123456789abcdef", { expiresAt, description: "test" });
    const core = kube.kubeConfig().makeApiClient(CoreV1Api);
    const secret = await core.readNamespacedSecret({
      namespace: "kube-system",
      name: "bootstrap-token-abcdef",
    });
    expect(secret.type).toBe("bootstrap.kubernetes.io/token");
    expect(decode(secret.data)).toEqual({
      "token-id": "abcdef",
      "token-secret": "0123456789abcdef",
      expiration: "2030-01-02T03:04:05Z",
      description: "test",
      "usage-bootstrap-authentication": "true",
      "usage-bootstrap-signing": "true",
      "auth-extra-groups": "system:bootstrappers:kubeadm:default-node-token",
    });
    expect(() => createBootstrapToken(kube!.store, "not-a-token")).toThrow(/not a bootstrap token/);
  });

  it("folds a Secret's stringData into base64 data and never stores stringData", async () => {
    kube = await startKubeApiServer();
    const core = kube.kubeConfig().makeApiClient(CoreV1Api);
    const created = await core.createNamespacedSecret({
      namespace: "kube-system",
      body: {
        metadata: { name: "bootstrap-token-x1y2z3" },
        type: "bootstrap.kubernetes.io/token",
        data: {
          "token-id": Buffer.from("old").toString("base64"),
          kept: Buffer.from("k").toString("base64"),
        },
        stringData: { "token-id": "x1y2z3", "token-secret": "0123456789abcdef" },
      },
    });
    expect(created.stringData).toBeUndefined();
    expect(decode(created.data)).toEqual({
      "token-id": "x1y2z3",
      "token-secret": "0123456789abcdef",
      kept: "k",
    });
    const replaced = await core.replaceNamespacedSecret({
      namespace: "kube-system",
      name: "bootstrap-token-x1y2z3",
      body: { ...created, stringData: { kept: "changed" } },
    });
    expect(replaced.stringData).toBeUndefined();
    expect(decode(replaced.data).kept).toBe("changed");
    const raw = kube.store.get("secrets", "kube-system", "bootstrap-token-x1y2z3");
    expect(raw.stringData).toBeUndefined();
  });
});
