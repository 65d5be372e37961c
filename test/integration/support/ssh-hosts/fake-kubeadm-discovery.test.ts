import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createBootstrapToken,
  type KubeApiServer,
  startKubeApiServer,
} from "../../../support/kube-api/index.ts";
import { requireService } from "../../../support/services.ts";
import { type SshHosts, sshdUsable, startSshHosts, type TestHost } from "../../../support/ssh-hosts/index.ts";
import { sshExec } from "../../../support/ssh-hosts/ssh-exec.ts";
import {
  CA_HASH,
  getNode,
  type JoinOptions,
  joinConfig,
  OTHER_CA_HASH,
  startCluster,
} from "./join-fixture.ts";

const ok = await requireService("sshd", sshdUsable, "/usr/sbin/sshd as root");

const IDENTITY = "error execution phase preflight: couldn't validate the identity of the API Server: ";
const STACK_HINT = "To see the stack trace of this error execute with --v=5 or higher\n";
const EXPIRED = "exp123.0123456789abcdef";
const SIGN_ONLY = "signon.0123456789abcdef";
const AUTH_ONLY = "authon.0123456789abcdef";
const CLUSTER_INFO_URL =
  "https://10.255.0.1:6443/api/v1/namespaces/kube-public/configmaps/cluster-info?timeout=10s";
const REFUSED = `failed to request the cluster-info ConfigMap: Get "${CLUSTER_INFO_URL}": dial tcp 10.255.0.1:6443: connect: connection refused`;

/** A refused join leaves nothing: no kubelet files, no running kubelet, no Node, no token printed. */
async function expectRefused(
  host: TestHost,
  kube: KubeApiServer | undefined,
  options: JoinOptions,
  stderr: string,
): Promise<void> {
  const name = `${host.name}-refused`;
  const res = await sshExec(host, "kubeadm join --config /dev/stdin", { stdin: joinConfig(name, options) });
  expect(res).toMatchObject({ code: 1, stderr });
  expect(`${res.stdout}${res.stderr}`).not.toContain("0123456789abcdef");
  for (const file of [
    "/etc/kubernetes/kubelet.conf",
    "/etc/kubernetes/pki/ca.crt",
    "/var/log/ksp-fake/node.json",
  ]) {
    expect(existsSync(host.path(file)), file).toBe(false);
  }
  expect((await host.units()).kubelet?.active).toBe(false);
  expect(await host.kubeletRunning()).toBe(false);
  if (kube) expect(await getNode(kube, name)).toBeUndefined();
}

describe.skipIf(!ok)("fake kubeadm join: discovery, token and CA checks", () => {
  let kube: KubeApiServer;
  let run: SshHosts;

  beforeAll(async () => {
    kube = await startCluster();
    createBootstrapToken(kube.store, EXPIRED, { expiresAt: new Date(Date.now() - 60_000) });
    createBootstrapToken(kube.store, SIGN_ONLY, { usages: ["signing"] });
    createBootstrapToken(kube.store, AUTH_ONLY, { usages: ["authentication"] });
    run = await startSshHosts({ count: 1, kubeApiUrl: kube.url, namePrefix: "disc" });
  });
  afterAll(async () => {
    await run?.stop();
    await kube?.close();
  });

  const cases: [string, JoinOptions, string][] = [
    [
      "an unknown token",
      { token: "zzzzzz.0123456789abcdef" },
      `${IDENTITY}could not find a JWS signature in the cluster-info ConfigMap for token ID "zzzzzz"\n`,
    ],
    [
      "a token the bootstrap signer does not sign (no usage-bootstrap-signing)",
      { token: AUTH_ONLY },
      `${IDENTITY}could not find a JWS signature in the cluster-info ConfigMap for token ID "authon"\n`,
    ],
    [
      "an expired token",
      { token: EXPIRED },
      `${IDENTITY}token id "exp123" is invalid for this cluster or it has expired. Use "kubeadm token create" on the control-plane node to create a new valid token\n`,
    ],
    [
      "a known token id with the wrong secret",
      { token: "k8stok.0123456789abcdef" },
      `${IDENTITY}failed to verify JWS signature of received cluster info object, can't trust this API Server\n`,
    ],
    [
      "a CA hash of another cluster",
      { caCertHashes: [OTHER_CA_HASH] },
      `${IDENTITY}cluster CA found in cluster-info ConfigMap is invalid: none of the public keys "${CA_HASH}" are pinned\n`,
    ],
    [
      "a malformed CA hash",
      { caCertHashes: ["sha256:nothex"] },
      `${IDENTITY}invalid discovery token CA certificate hash: invalid hash, expected "format:hex-value". Known format(s) are: sha256\n`,
    ],
    [
      "a token that may not authenticate (no usage-bootstrap-authentication)",
      { token: SIGN_ONLY },
      "error execution phase preflight: unable to fetch the kubeadm-config ConfigMap: failed to get config map: Unauthorized\n",
    ],
  ];

  for (const [what, options, message] of cases) {
    it(`refuses ${what}, exit 1, and registers nothing`, async () => {
      await expectRefused(run.hosts[0]!, kube, options, `${message}${STACK_HINT}`);
    });
  }

  it("accepts the cluster's CA among several pins, as kubeadm checks any of them", async () => {
    const host = run.hosts[0]!;
    const stdin = joinConfig("pinned", {
      caCertHashes: [OTHER_CA_HASH, CA_HASH.toUpperCase().replace("SHA256", "sha256")],
    });
    const res = await sshExec(host, "kubeadm join --config /dev/stdin", { stdin });
    expect(res).toMatchObject({ code: 0, stderr: "" });
    expect((await getNode(kube, "pinned"))?.spec.providerID).toBe("ksp://pool-a/pinned");
    expect((await sshExec(host, "kubeadm reset -f")).code).toBe(0);
  });
});

describe.skipIf(!ok)("fake kubeadm join without a reachable API server", () => {
  const runs: SshHosts[] = [];
  afterAll(async () => {
    for (const run of runs) await run.stop();
  });

  it("fails discovery like kubeadm when the host has no API server at all", async () => {
    const run = await startSshHosts({ count: 1, namePrefix: "noapi" });
    runs.push(run);
    await expectRefused(run.hosts[0]!, undefined, {}, `${IDENTITY}${REFUSED}\n${STACK_HINT}`);
  });

  it("fails discovery when the API server is down, and on a server without cluster-info", async () => {
    const gone = await startCluster();
    await gone.close();
    const bare = await startKubeApiServer({ clusterInfo: false });
    try {
      const down = await startSshHosts({ count: 1, kubeApiUrl: gone.url, namePrefix: "down" });
      runs.push(down);
      await expectRefused(down.hosts[0]!, undefined, {}, `${IDENTITY}${REFUSED}\n${STACK_HINT}`);

      const noInfo = await startSshHosts({ count: 1, kubeApiUrl: bare.url, namePrefix: "bare" });
      runs.push(noInfo);
      const missing = `${IDENTITY}failed to request the cluster-info ConfigMap: configmaps "cluster-info" not found\n`;
      await expectRefused(noInfo.hosts[0]!, bare, {}, `${missing}${STACK_HINT}`);
    } finally {
      await bare.close();
    }
  });
});
