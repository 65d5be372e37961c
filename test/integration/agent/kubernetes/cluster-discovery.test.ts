/**
 * Cluster discovery on the Kubernetes API stand-in: kube-public/cluster-info
 * as kubeadm publishes it, the CA hash checked against openssl's (RSA and EC
 * CAs), the operator's overrides, and the errors an operator can act on.
 * cluster-info is upserted: the stand-in may seed its own.
 */
import { CoreV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createClusterDiscovery } from "../../../../agent/kubernetes/cluster-discovery.ts";
import { KubeError } from "../../../../agent/kubernetes/kube-error.ts";
import { publishClusterInfo, removeClusterInfo, upsert } from "../../../support/agent/kube-harness.ts";
import { makeTestCa, type TestCa } from "../../../support/agent/test-ca.ts";
import { type KubeApiServer, startKubeApiServer } from "../../../support/kube-api/index.ts";

describe("cluster discovery on the API stand-in", () => {
  let kube: KubeApiServer;
  let core: CoreV1Api;
  let ec: TestCa;
  let rsa: TestCa;

  beforeAll(async () => {
    kube = await startKubeApiServer();
    core = kube.kubeConfig().makeApiClient(CoreV1Api);
    ec = makeTestCa("ec");
    rsa = makeTestCa("rsa");
  });
  afterAll(() => kube.close());
  beforeEach(() => removeClusterInfo(kube));

  const configMapReads = () =>
    kube.requests.filter((r) => r.path.includes("/configmaps/cluster-info")).length;
  const failure = (promise: Promise<unknown>) => promise.catch((e: unknown) => e);

  it.each([
    ["https with a port", "https://10.0.0.5:6443", "10.0.0.5:6443"],
    ["https without a port", "https://api.example.com", "api.example.com:443"],
    ["http without a port", "http://api.example.com", "api.example.com:80"],
    ["IPv6", "https://[fd00::1]:6443", "[fd00::1]:6443"],
    ["a trailing slash", "https://cp.internal:8443/", "cp.internal:8443"],
  ])("reads the endpoint from a server URL with %s", async (_label, server, endpoint) => {
    publishClusterInfo(kube, server, ec.pem);
    expect(await createClusterDiscovery(core).discover()).toEqual({
      apiEndpoint: endpoint,
      caCertHash: ec.hash,
    });
  });

  it("hashes an RSA CA's public key as openssl (and kubeadm) do", async () => {
    publishClusterInfo(kube, "https://10.0.0.5:6443", rsa.pem);
    expect((await createClusterDiscovery(core).discover()).caCertHash).toBe(rsa.hash);
    expect(rsa.hash).not.toBe(ec.hash);
  });

  it("makes no API call when both values are configured", async () => {
    const before = configMapReads();
    const info = { apiEndpoint: "lb.example.com:6443", caCertHash: `sha256:${"0f".repeat(32)}` };
    expect(await createClusterDiscovery(core, info).discover()).toEqual(info);
    expect(configMapReads()).toBe(before);
  });

  it("lets either configured value win over cluster-info", async () => {
    publishClusterInfo(kube, "https://10.0.0.5:6443", ec.pem);
    const hash = `sha256:${"1a".repeat(32)}`;
    expect(await createClusterDiscovery(core, { apiEndpoint: "lb:6443" }).discover()).toEqual({
      apiEndpoint: "lb:6443",
      caCertHash: ec.hash,
    });
    expect(await createClusterDiscovery(core, { caCertHash: hash }).discover()).toEqual({
      apiEndpoint: "10.0.0.5:6443",
      caCertHash: hash,
    });
  });

  it.each([
    ["10.0.0.5", "endpoint"],
    ["10.0.0.5:0", "endpoint"],
    ["10.0.0.5:70000", "endpoint"],
    ["https://10.0.0.5:6443", "endpoint"],
    ["fd00::1:6443", "endpoint"],
    ["sha256:abc", "hash"],
    [`sha1:${"ab".repeat(32)}`, "hash"],
    [`sha256:${"AB".repeat(32)}`, "hash"],
  ])("refuses the malformed override %s at construction", (value, which) => {
    const options = which === "endpoint" ? { apiEndpoint: value } : { caCertHash: value };
    expect(() => createClusterDiscovery(core, options)).toThrow(KubeError);
  });

  it("says what to configure when cluster-info is missing", async () => {
    const err = await failure(createClusterDiscovery(core).discover());
    expect(err).toBeInstanceOf(KubeError);
    expect((err as KubeError).status).toBe(404);
    expect((err as Error).message).toBe(
      "kube-public/cluster-info not found: is this a kubeadm cluster? set --api-server-endpoint and --ca-cert-hash",
    );
  });

  const kubeconfigWithServer = (server: string) =>
    `clusters:\n- cluster:\n    certificate-authority-data: eA==\n    server: ${server}\n`;

  it.each<[string, Record<string, string>, string]>([
    ["no kubeconfig key", {}, 'has no "kubeconfig" key'],
    ["YAML that does not parse", { kubeconfig: "clusters: [unclosed" }, "does not parse as YAML"],
    ["no cluster", { kubeconfig: "apiVersion: v1\nclusters: []\n" }, "names no cluster server"],
    [
      "no CA data",
      { kubeconfig: "clusters:\n- cluster:\n    server: https://10.0.0.5:6443\n  name: ''\n" },
      "no certificate-authority-data",
    ],
    [
      "CA data that is no certificate",
      {
        kubeconfig: `clusters:\n- cluster:\n    certificate-authority-data: ${btoa("nope")}\n    server: https://10.0.0.5:6443\n`,
      },
      "certificate-authority-data is not a certificate",
    ],
    ["a server that is not a URL", { kubeconfig: kubeconfigWithServer("10.0.0.5:6443") }, "is not a URL"],
    [
      "a server that is not http(s)",
      { kubeconfig: kubeconfigWithServer("ftp://10.0.0.5") },
      "is not an http(s) URL",
    ],
  ])("explains cluster-info with %s", async (_label, data, message) => {
    upsert(kube, "configmaps", { metadata: { name: "cluster-info", namespace: "kube-public" }, data });
    const err = await failure(createClusterDiscovery(core).discover());
    expect(err).toBeInstanceOf(KubeError);
    expect((err as Error).message).toContain("kube-public/cluster-info");
    expect((err as Error).message).toContain(message);
  });
});
