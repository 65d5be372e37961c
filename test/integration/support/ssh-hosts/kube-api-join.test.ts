import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CLUSTER_CA_PEM,
  createBootstrapToken,
  type KubeApiServer,
  startKubeApiServer,
} from "../../../support/kube-api/index.ts";
import { requireService } from "../../../support/services.ts";
import {
  type RegisteredNode,
  type SshHosts,
  sshdUsable,
  startSshHosts,
} from "../../../support/ssh-hosts/index.ts";
import { sshExec } from "../../../support/ssh-hosts/ssh-exec.ts";

const ok = await requireService("sshd", sshdUsable, "/usr/sbin/sshd as root");

const joinConfig = (name: string) => `apiVersion: kubeadm.k8s.io/v1beta4
kind: JoinConfiguration
discovery:
  bootstrapToken:
    apiServerEndpoint: 10.255.0.1:6443
    token: abcdef.0123456789abcdef
    unsafeSkipCAVerification: true
nodeRegistration:
  name: ${name}
  kubeletExtraArgs:
    - name: provider-id
      value: ksp://pool-b/${name}
    - name: node-labels
      value: ksp.dev/pool=pool-b
`;

async function getNode(kube: KubeApiServer, name: string): Promise<RegisteredNode> {
  const res = await fetch(`${kube.url}/api/v1/nodes/${name}`);
  expect(res.status).toBe(200);
  return (await res.json()) as RegisteredNode;
}

describe.skipIf(!ok)("fake kubeadm join against the Kubernetes API test server", () => {
  let kube: KubeApiServer;
  const runs: SshHosts[] = [];

  beforeAll(async () => {
    kube = await startKubeApiServer();
    createBootstrapToken(kube.store, "abcdef.0123456789abcdef");
  });
  afterAll(async () => {
    for (const run of runs) await run.stop();
    await kube?.close();
  });

  it("registers a Ready Node with labels, providerID and capacity (loopback hosts)", async () => {
    const run = await startSshHosts({ count: 1, kubeApiUrl: kube.url, cpus: 6, memoryMiB: 12288 });
    runs.push(run);
    const joined = await sshExec(run.hosts[0]!, "kubeadm join --config /dev/stdin", {
      stdin: joinConfig("loop-1"),
    });
    expect(joined.stderr).toBe("");
    expect(joined.code).toBe(0);
    const node = await getNode(kube, "loop-1");
    expect(node.spec.providerID).toBe("ksp://pool-b/loop-1");
    expect(node.metadata.labels["ksp.dev/pool"]).toBe("pool-b");
    expect(node.status.capacity).toMatchObject({ cpu: "6", memory: "12288Mi" });
    expect(node.status.conditions).toEqual([expect.objectContaining({ type: "Ready", status: "True" })]);
    // Without pins kubeadm still takes the CA that cluster-info names.
    expect(readFileSync(run.hosts[0]!.path("/etc/kubernetes/pki/ca.crt"), "utf8")).toBe(CLUSTER_CA_PEM);
  });

  it("reaches the API server from hosts in their own network namespaces", async () => {
    const run = await startSshHosts({ count: 2, kubeApiUrl: kube.url, network: "netns", namePrefix: "ns" });
    runs.push(run);
    const [a, b] = run.hosts as [(typeof run.hosts)[0], (typeof run.hosts)[0]];
    expect(a.address).toMatch(/^169\.254\.\d+\.\d+$/);
    expect(a.port).toBe(22);
    const addr = await sshExec(a, "ip -4 -o addr show dev eth0");
    expect(addr.stdout).toContain(`${a.address}/30`);
    expect(
      (await sshExec(b, `hostname; kubeadm join --config /dev/stdin`, { stdin: joinConfig("netns-b") })).code,
    ).toBe(0);
    const node = await getNode(kube, "netns-b");
    expect(node.status.addresses).toContainEqual({ type: "InternalIP", address: b.address });
  });
});
