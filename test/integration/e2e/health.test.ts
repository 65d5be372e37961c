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
import { describe, expect, it } from "vitest";
import { asCaNode, requireSandbox, until, useSandboxStack } from "../../support/e2e-stack.ts";
import { sshExec } from "../../support/ssh-hosts/ssh-exec.ts";

const ok = await requireSandbox();
const POOL = "default";

describe.skipIf(!ok)("machine health and the zombie guard end to end (sandbox stack)", () => {
  const e2e = useSandboxStack({
    hosts: 3,
    pool: {
      lifecycleSettings: {
        healthProbeIntervalSeconds: 1,
        healthFailureThreshold: 2,
        zombieAction: "remove",
      },
    },
  });
  const { machine, nodeOf, hostOf } = e2e;

  // One scenario on one stack (a stack is too costly to start per test): each step changes which hosts
  // are free (the sshd-less host is out of CA's reach, the joined ones are the removal's subject), so the
  // steps run in this order inside one test instead of depending on the order of separate tests.
  it("health end to end: a free machine without sshd, a NotReady node, a zombie Node after removal", async () => {
    // 1. a free machine whose sshd is stopped goes to fault after the threshold
    const victim = e2e.stack.hosts[0]!.machineId;
    expect((await machine(victim)).status).toBe("available");
    await hostOf(victim).kill();
    const sshless = await until(
      "the machine without sshd in fault",
      async () => {
        const m = await machine(victim);
        return m.status === "fault" && m;
      },
      30_000,
    );
    expect(sshless.statusReason).toMatch(
      /^health: ssh probe failed 2 times in a row: probe\.ssh-echo \(connection\): /,
    );
    expect(sshless.lastError).toContain("probe.ssh-echo");
    // the others answer their probes and stay free
    for (const h of e2e.stack.hosts.slice(1)) expect((await machine(h.machineId)).status).toBe("available");

    // 2. a Ready node made NotReady goes to fault, and CA sees the instance with errorInfo
    expect(await e2e.ca.scaleUp(POOL, 2)).toMatchObject({ outcome: "scaled", after: 2 });
    const running = await until(
      "2 running instances",
      async () => {
        const instances = await e2e.ca.nodes(POOL);
        return instances.filter((i) => i.state === "instanceRunning").length === 2 && instances;
      },
      60_000,
    );
    const joined = running.map((i) => i.id.replace(/^ksp:\/\//, ""));
    const sick = joined[0]!;
    const node = nodeOf(sick)!;
    setReady(node.metadata.name!, false);

    const faulted = await until(
      "the NotReady node's machine in fault",
      async () => {
        const m = await machine(sick);
        return m.status === "fault" && m;
      },
      30_000,
    );
    expect(faulted.statusReason).toBe(
      `health: node ${node.metadata.name} is NotReady at 2 checks in a row, 1 s apart (threshold 2)`,
    );
    const instance = (await e2e.ca.nodes(POOL)).find((i) => i.id === `ksp://${sick}`);
    expect(instance).toMatchObject({ state: "instanceCreating", errorInfo: { errorCode: "unhealthy" } });
    expect(instance!.errorInfo!.errorMessage).toContain("NotReady");
    // the healthy one stays
    expect((await machine(joined[1]!)).status).toBe("ready");

    // 3. a Node that re-registers after its machine's removal is cordoned, reported, reset and deleted
    const id = joined[1]!;
    const host = hostOf(id);
    const name = nodeOf(id)!.metadata.name!;
    // what a kubelet needs to come back, as a host restored from an old image would have it
    const kubeletConf = readFileSync(host.path("/etc/kubernetes/kubelet.conf"));
    const joinState = readFileSync(host.path("/var/log/ksp-fake/node.json"));

    await e2e.ca.deleteNodes(POOL, [asCaNode(nodeOf(id)!)]);
    await until(
      "the removed machine available, its Node gone",
      async () => {
        const m = await machine(id);
        return m.status === "available" && !nodeOf(id) && !(await host.kubeletRunning());
      },
      30_000,
    );

    const before = e2e.stack.kube.requests.length;
    writeFileSync(host.path("/etc/kubernetes/kubelet.conf"), kubeletConf);
    writeFileSync(host.path("/var/log/ksp-fake/node.json"), joinState);
    expect(await sshExec(host, "systemctl start kubelet")).toMatchObject({ code: 0 });
    const zombie = await until("the Node registered again", async () => nodeOf(id), 10_000);

    const event = await until(
      "a KspZombieNode event on it",
      async () =>
        e2e.stack.kube.store
          .list("events", { namespace: "default" })
          .items.find(
            (e) =>
              e.reason === "KspZombieNode" &&
              (e.involvedObject as { name?: string; uid?: string }).uid === zombie.metadata.uid,
          ),
      30_000,
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

    const freed = await until(
      "host reset, Node deleted, machine free again",
      async () => {
        const m = await machine(id);
        return (
          m.status === "available" &&
          m.statusReason === `zombie: host reset and node ${name} deleted` &&
          !nodeOf(id) &&
          !(await host.kubeletRunning()) &&
          m
        );
      },
      30_000,
    );
    expect(freed.status).toBe("available");
    const writes = e2e.stack.kube.requests
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
  }, 240_000);

  function setReady(name: string, ready: boolean): void {
    const node = e2e.stack.kube.store.get("nodes", undefined, name);
    const status = structuredClone(node.status) as { conditions?: { type: string; status: string }[] };
    status.conditions = (status.conditions ?? []).map((c) =>
      c.type === "Ready" ? { ...c, status: ready ? "True" : "False", reason: "KubeletNotReady" } : c,
    );
    e2e.stack.kube.store.update("nodes", undefined, name, { ...node, status }, { subresource: "status" });
  }
});
