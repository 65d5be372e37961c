/**
 * Machine health and the zombie guard end to end on the sandbox stack (the
 * embedded control plane, the real agent process, the Kubernetes API test
 * server, real sshd hosts with the fake kubeadm/kubelet), with a pool that
 * checks every second and gives up after two failures:
 * - a free machine whose sshd is gone goes to fault with the probe's error;
 * - a Ready Node made NotReady moves its machine to fault, and Cluster
 *   Autoscaler sees the instance with errorInfo;
 * - a kubelet brought back on a machine after its scale-down re-registers
 *   its Node: cordoned, a Warning Event, the host reset and the Node deleted
 *   (the pool's zombieAction is remove), and the machine free again.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SandboxStack, startSandboxStack } from "../../../scripts/sandbox-stack.ts";
import { CaEmulator, createCaClient, type EmulatedNode } from "../../support/ca-emulator/index.ts";
import { waitFor } from "../../support/eventually.ts";
import type { KubeObject } from "../../support/kube-api/index.ts";
import { requireService } from "../../support/services.ts";
import { sshdUsable, type TestHost } from "../../support/ssh-hosts/index.ts";
import { sshExec } from "../../support/ssh-hosts/ssh-exec.ts";

const ok = await requireService("sshd", sshdUsable, "root + /usr/sbin/sshd");
const POOL = "default";

interface MachineView {
  id: string;
  status: string;
  statusReason: string | null;
  lastError: string | null;
  providerId: string | null;
}

describe.skipIf(!ok)("machine health and the zombie guard end to end (sandbox stack)", () => {
  let stack: SandboxStack;
  let ca: CaEmulator;
  let close: () => void;

  beforeAll(async () => {
    stack = await startSandboxStack({
      hosts: 3,
      pool: {
        lifecycleSettings: {
          healthProbeIntervalSeconds: 1,
          healthFailureThreshold: 2,
          zombieAction: "remove",
        },
      },
    });
    const client = createCaClient({ address: stack.grpcAddress, version: "current" });
    ca = new CaEmulator(client);
    close = () => client.close();
  }, 120_000);

  afterAll(async () => {
    close?.();
    await stack?.stop();
  });

  const api = async <T>(method: string, path: string): Promise<T> => {
    const res = await fetch(`${stack.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${stack.adminToken}` },
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const machine = (id: string) => api<MachineView>("GET", `/v1/machines/${id}`);
  const nodes = () => stack.kube.store.list("nodes", {}).items;
  const nodeOf = (machineId: string) => nodes().find((n) => providerIdOf(n) === `ksp://${machineId}`);
  const hostOf = (machineId: string): TestHost =>
    stack.ssh.hosts[stack.hosts.findIndex((h) => h.machineId === machineId)]!;
  const until = <T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 30_000) =>
    waitFor(what, check, timeoutMs, 250);
  const asCaNode = (n: KubeObject): EmulatedNode => ({
    name: n.metadata.name!,
    providerID: providerIdOf(n) ?? "",
    labels: n.metadata.labels ?? {},
  });

  it("a free machine whose sshd is stopped goes to fault after the threshold", async () => {
    const victim = stack.hosts[0]!.machineId;
    expect((await machine(victim)).status).toBe("available");
    await hostOf(victim).kill();
    const faulted = await until("the machine without sshd in fault", async () => {
      const m = await machine(victim);
      return m.status === "fault" && m;
    });
    expect(faulted.statusReason).toMatch(
      /^health: ssh probe failed 2 times in a row: probe\.ssh-echo \(connection\): /,
    );
    expect(faulted.lastError).toContain("probe.ssh-echo");
    // the others answer their probes and stay free
    for (const h of stack.hosts.slice(1)) expect((await machine(h.machineId)).status).toBe("available");
  }, 60_000);

  let joined: string[] = [];

  it("a Ready node made NotReady goes to fault, and CA sees the instance with errorInfo", async () => {
    expect(await ca.scaleUp(POOL, 2)).toMatchObject({ outcome: "scaled", after: 2 });
    const running = await until(
      "2 running instances",
      async () => {
        const instances = await ca.nodes(POOL);
        return instances.filter((i) => i.state === "instanceRunning").length === 2 && instances;
      },
      60_000,
    );
    joined = running.map((i) => i.id.replace(/^ksp:\/\//, ""));
    const sick = joined[0]!;
    const node = nodeOf(sick)!;
    setReady(node.metadata.name!, false);

    const faulted = await until("the NotReady node's machine in fault", async () => {
      const m = await machine(sick);
      return m.status === "fault" && m;
    });
    expect(faulted.statusReason).toBe(
      `health: node ${node.metadata.name} is NotReady at 2 checks in a row, 1 s apart (threshold 2)`,
    );
    const instance = (await ca.nodes(POOL)).find((i) => i.id === `ksp://${sick}`);
    expect(instance).toMatchObject({ state: "instanceCreating", errorInfo: { errorCode: "unhealthy" } });
    expect(instance!.errorInfo!.errorMessage).toContain("NotReady");
    // the healthy one stays
    expect((await machine(joined[1]!)).status).toBe("ready");
  }, 90_000);

  it("a Node that re-registers after its machine's removal is cordoned, reported, reset and deleted", async () => {
    const id = joined[1]!;
    const host = hostOf(id);
    const name = nodeOf(id)!.metadata.name!;
    // what a kubelet needs to come back, as a host restored from an old image would have it
    const kubeletConf = readFileSync(host.path("/etc/kubernetes/kubelet.conf"));
    const joinState = readFileSync(host.path("/var/log/ksp-fake/node.json"));

    await ca.deleteNodes(POOL, [asCaNode(nodeOf(id)!)]);
    await until("the removed machine available, its Node gone", async () => {
      const m = await machine(id);
      return m.status === "available" && !nodeOf(id) && !(await host.kubeletRunning());
    });

    const before = stack.kube.requests.length;
    writeFileSync(host.path("/etc/kubernetes/kubelet.conf"), kubeletConf);
    writeFileSync(host.path("/var/log/ksp-fake/node.json"), joinState);
    expect(await sshExec(host, "systemctl start kubelet")).toMatchObject({ code: 0 });
    const zombie = await until("the Node registered again", async () => nodeOf(id), 10_000);

    const event = await until("a KspZombieNode event on it", async () =>
      stack.kube.store
        .list("events", { namespace: "default" })
        .items.find(
          (e) =>
            e.reason === "KspZombieNode" &&
            (e.involvedObject as { name?: string; uid?: string }).uid === zombie.metadata.uid,
        ),
    );
    expect(event).toMatchObject({
      type: "Warning",
      involvedObject: { kind: "Node", name },
      source: { component: "ksp-agent" },
    });
    expect(event.message).toBe(
      `node ${name} has providerID ksp://${id}, but machine ${name} (${id}) is available: cordoned; ` +
        "the agent resets the host and deletes the node",
    );

    const freed = await until("host reset, Node deleted, machine free again", async () => {
      const m = await machine(id);
      return (
        m.status === "available" &&
        m.statusReason === `zombie: host reset and node ${name} deleted` &&
        !nodeOf(id) &&
        !(await host.kubeletRunning()) &&
        m
      );
    });
    expect(freed.status).toBe("available");
    const writes = stack.kube.requests
      .slice(before)
      .filter((r) => r.path === `/api/v1/nodes/${name}` && r.method !== "GET")
      .map((r) => `${r.method} ${r.status}`);
    // cordoned first, deleted last
    expect(writes[0]).toBe("PATCH 200");
    expect(writes.at(-1)).toBe("DELETE 200");
    // the reset stopped the kubelet for good: the Node does not come back
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(nodeOf(id)).toBeUndefined();
    expect((await machine(id)).status).toBe("available");
  }, 90_000);

  function setReady(name: string, ready: boolean): void {
    const node = stack.kube.store.get("nodes", undefined, name);
    const status = structuredClone(node.status) as { conditions?: { type: string; status: string }[] };
    status.conditions = (status.conditions ?? []).map((c) =>
      c.type === "Ready" ? { ...c, status: ready ? "True" : "False", reason: "KubeletNotReady" } : c,
    );
    stack.kube.store.update("nodes", undefined, name, { ...node, status }, { subresource: "status" });
  }
});

function providerIdOf(n: KubeObject): string | undefined {
  return (n.spec as { providerID?: string } | undefined)?.providerID;
}
