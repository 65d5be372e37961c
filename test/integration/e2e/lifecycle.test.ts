/**
 * The lifecycle end to end on the sandbox stack: the embedded control plane,
 * the real agent process, the Kubernetes API test server and five real sshd
 * hosts whose fake kubeadm joins them to it, driven by the CA emulator on the
 * upstream externalgrpc proto. Nothing here moves a machine by hand: CA's
 * RPCs and the agent's reconciler do; the test plays the cluster's other
 * actors (a ReplicaSet controller, a PodDisruptionBudget) and looks.
 */
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  asCaNode,
  isReady,
  machineIdOf,
  requireSandbox,
  until,
  useSandboxStack,
} from "../../support/e2e-stack.ts";
import type { KubeObject } from "../../support/kube-api/index.ts";
import { startReplicaController } from "../../support/kube-api/index.ts";

const ok = await requireSandbox();
const POOL = "default";
const TAINT = { key: "dedicated", value: "e2e", effect: "NoSchedule" };
const TOLERATION = { key: "dedicated", operator: "Equal", value: "e2e", effect: "NoSchedule" } as const;

describe.skipIf(!ok)("machine lifecycle end to end (sandbox stack, CA emulator)", () => {
  const e2e = useSandboxStack({
    hosts: 5,
    pool: {
      templateLabels: { tier: "e2e", "node-role.kubernetes.io/e2e": "" },
      templateTaints: [TAINT],
      drainSettings: { timeoutSeconds: 120, gracePeriodSeconds: 5 },
    },
  });
  const { api, machine, statuses, nodes, node, hostOf, tokens } = e2e;

  it("scales from zero to 3: Ready Nodes with the instance ids, the pool's labels and taints, no token left", async () => {
    expect(await e2e.ca.targetSize(POOL)).toBe(0);
    expect(await e2e.ca.scaleUp(POOL, 3)).toEqual({ outcome: "scaled", before: 0, after: 3 });

    const running = await until("3 running instances", async () => {
      const instances = await e2e.ca.nodes(POOL);
      return instances.filter((i) => i.state === "instanceRunning").length === 3 && instances;
    });
    for (const instance of running) {
      const n = node(instance.id);
      expect(n, `a Node with providerID ${instance.id}`).toBeDefined();
      expect(isReady(n!)).toBe(true);
      expect(n!.metadata.labels).toMatchObject({
        tier: "e2e",
        "node-role.kubernetes.io/e2e": "", // not settable by the kubelet: patched on by the agent
        "kube-static-pool.io/pool": POOL,
        "topology.kubernetes.io/zone": "sandbox-a",
      });
      expect(nodeSpec(n!).taints).toEqual([TAINT]);
    }
    const loop = await e2e.ca.runOnce(nodes().map(asCaNode));
    expect([...loop.groupOfNode.values()]).toEqual([POOL, POOL, POOL]);
    expect(loop.targetSizes.get(POOL)).toBe(3);
    expect(Object.values(await statuses()).filter((s) => s === "ready")).toHaveLength(3);
    await until("no bootstrap token left", async () => tokens().length === 0, 10_000);
  }, 120_000);

  it("scales down by 2: cordon, drain honouring a PDB (evictions retried, never forced), reset, delete; no kubelet comes back", async () => {
    const rs = startReplicaController(e2e.stack.kube, {
      namespace: "default",
      name: "web",
      labels: { app: "web" },
      replicas: 2,
      tolerations: [TOLERATION],
    });
    try {
      // two replicas may never drop below two healthy pods: every eviction is refused for now
      e2e.stack.kube.store.create("poddisruptionbudgets", "default", {
        metadata: { name: "web" },
        spec: { minAvailable: 2, selector: { matchLabels: { app: "web" } } },
      });
      const hosting = await until("both replicas on Nodes", async () => {
        const bound = rs
          .pods()
          .map((p) => (p.spec as { nodeName?: string }).nodeName)
          .filter(Boolean);
        return new Set(bound).size === 2 && ([...new Set(bound)] as string[]);
      });
      const victims = nodes().filter((n) => hosting.includes(n.metadata.name!));
      const keep = nodes().find((n) => !hosting.includes(n.metadata.name!))!;
      await e2e.ca.deleteNodes(POOL, victims.map(asCaNode));
      expect(await e2e.ca.targetSize(POOL)).toBe(1);

      // both removals run side by side: each Node cordoned, each pod's eviction refused by the budget
      const replicas = rs.pods().map((p) => p.metadata.name!);
      const cordoned = (v: KubeObject) =>
        nodeSpec(e2e.stack.kube.store.get("nodes", undefined, v.metadata.name!)).unschedulable === true;
      await until(
        "both Nodes cordoned and both evictions refused by the PDB (429)",
        async () =>
          victims.every(cordoned) &&
          replicas.every((name) => refusedEvictions().some((r) => r.path.includes(`/pods/${name}/eviction`))),
        30_000,
      );
      const draining = await statuses();
      for (const v of victims) expect(draining[machineIdOf(v)]).toBe("draining");

      // more replicas: the budget allows one disruption at a time, each replacement lands on the kept Node
      rs.scale(3);
      await until(
        "both machines available",
        async () => {
          const now = await statuses();
          return victims.every((v) => now[machineIdOf(v)] === "available");
        },
        90_000,
      );

      expect(e2e.stack.kube.requests.filter((r) => r.method === "DELETE" && /\/pods\//.test(r.path))).toEqual(
        [],
      );
      expect(refusedEvictions().length).toBeGreaterThanOrEqual(2);
      expect(rs.pods().every((p) => (p.spec as { nodeName?: string }).nodeName === keep.metadata.name)).toBe(
        true,
      );
      for (const v of victims) {
        const host = hostOf(machineIdOf(v));
        expect(await host.kubeletRunning()).toBe(false);
        expect(existsSync(host.path("/etc/kubernetes/kubelet.conf"))).toBe(false);
      }
      // a kubelet left running would re-register its Node within a second
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      expect(nodes().map((n) => n.metadata.name)).toEqual([keep.metadata.name]);
      expect(await e2e.ca.targetSize(POOL)).toBe(1);
    } finally {
      // the workload leaves with its controller, so later scale-downs have nothing to drain
      rs.stop();
      e2e.stack.kube.store.delete("poddisruptionbudgets", "default", "web");
      for (const pod of e2e.stack.kube.store.list("pods", { namespace: "default" }).items) {
        e2e.stack.kube.store.delete("pods", "default", pod.metadata.name!);
      }
    }
  }, 150_000);

  it("a host whose kubeadm join fails goes to fault with errorInfo for CA; the others join", async () => {
    const available = Object.entries(await statuses())
      .filter(([, s]) => s === "available")
      .map(([id]) => id);
    expect(available).toHaveLength(4);
    const doomed = available[0]!;
    await hostOf(doomed).failNext(
      "kubeadm join",
      1,
      "error execution phase kubelet-start: injected by the test",
    );

    expect(await e2e.ca.scaleUp(POOL, 4)).toMatchObject({ outcome: "scaled", after: 5 });
    const failed = await until("the failed join in fault", async () => {
      const m = await machine(doomed);
      return m.status === "fault" && m;
    });
    expect(failed.statusReason).toMatch(
      /^join failed at join\.kubeadm-join \(command\): kubeadm join exited with 1/,
    );
    expect(failed.lastError).toContain("injected by the test");
    await until("the other three ready", async () => {
      const now = await statuses();
      return available.slice(1).every((id) => now[id] === "ready");
    });
    const instances = await e2e.ca.nodes(POOL);
    const broken = instances.find((i) => i.id === failed.providerId);
    expect(broken).toMatchObject({
      state: "instanceCreating",
      // the pool has no free machine left: CA should back the group off at once
      errorInfo: { errorCode: "join-failed", instanceErrorClass: 1 },
    });
    expect(broken!.errorInfo!.errorMessage).toContain("injected by the test");
    // nothing half-joined stays behind on the failed host
    const host = hostOf(doomed);
    await until("the failed host cleaned", async () => !(await host.kubeletRunning()));
    expect(existsSync(host.path("/etc/kubernetes/kubelet.conf"))).toBe(false);
    expect(node(failed.providerId!)).toBeUndefined();
    // CA gives up on the instance: it is no longer listed
    expect(await e2e.ca.deleteUnregistered(failed.providerId!)).toMatchObject({ groupId: POOL });
    expect((await e2e.ca.nodes(POOL)).map((i) => i.id)).not.toContain(failed.providerId);
    await until("no bootstrap token left", async () => tokens().length === 0, 10_000);
  }, 150_000);

  it("CA deletes fake nodes: a reserved machine is freed untouched, a joining one is reset first", async () => {
    // free two machines: the failed one (repaired by an operator) and one ready node removed by CA
    const faulted = Object.entries(await statuses()).find(([, s]) => s === "fault")![0];
    await api("POST", `/v1/machines/${faulted}/restore`, {});
    const ready = nodes()[0]!;
    await e2e.ca.deleteNodes(POOL, [asCaNode(ready)]);
    await until(
      "two machines free",
      async () => Object.values(await statuses()).filter((s) => s === "available").length === 2,
    );
    const free = Object.entries(await statuses())
      .filter(([, s]) => s === "available")
      .map(([id]) => id);

    // one join at a time, and a slow kubeadm: the second machine waits as `reserved`
    await api("PATCH", `/v1/clusters/${e2e.stack.clusterId}/pools/${e2e.stack.poolId}`, {
      lifecycleSettings: { maxConcurrentJoins: 1 },
    });
    // the agent polls every second in the sandbox
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    for (const id of free) {
      await hostOf(id).setBehaviour("kubeadm join", { delayMs: 30_000 });
      await hostOf(id).clearCalls();
    }
    expect(await e2e.ca.scaleUp(POOL, 2)).toMatchObject({ outcome: "scaled" });
    const [joining, reserved] = await until("one joining, one reserved", async () => {
      const now = await statuses();
      const j = free.find((id) => now[id] === "joining");
      const r = free.find((id) => now[id] === "reserved");
      return j && r && [j, r];
    });
    // the JoinConfiguration (with the token) is on the host only while kubeadm join runs
    const joinConfig = hostOf(joining!).path("/etc/kubernetes/ksp/join-config.yaml");
    await until("kubeadm join running on the joining host", async () => existsSync(joinConfig));

    const reservedMachine = await machine(reserved!);
    expect(await e2e.ca.deleteUnregistered(reservedMachine.providerId!)).toMatchObject({ groupId: POOL });
    const joiningMachine = await machine(joining!);
    expect(await e2e.ca.deleteUnregistered(joiningMachine.providerId!)).toMatchObject({ groupId: POOL });

    await until("both available again", async () => {
      const now = await statuses();
      return now[joining!] === "available" && now[reserved!] === "available";
    });
    // the reserved one was never touched over SSH
    expect((await hostOf(reserved!).calls()).map((c) => c.argv.join(" "))).toEqual([]);
    // the joining one was aborted mid-join and reset: no kubelet, no kubelet.conf, no Node
    const host = hostOf(joining!);
    expect(await host.kubeletRunning()).toBe(false);
    expect(existsSync(host.path("/etc/kubernetes/kubelet.conf"))).toBe(false);
    // killed mid-join, kubeadm never got to remove the config with the token: the reset's cleanup did
    expect(existsSync(joinConfig)).toBe(false);
    expect(node(joiningMachine.providerId!)).toBeUndefined();
    await until("no bootstrap token left", async () => tokens().length === 0, 10_000);
    // the killed kubeadm does not wake up later and join behind our back
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(await host.kubeletRunning()).toBe(false);
    expect(node(joiningMachine.providerId!)).toBeUndefined();
  }, 150_000);

  function refusedEvictions() {
    return e2e.stack.kube.requests.filter(
      (r) => r.method === "POST" && r.path.endsWith("/eviction") && r.status === 429,
    );
  }
});

function nodeSpec(n: KubeObject): { providerID?: string; unschedulable?: boolean; taints?: unknown[] } {
  return (n.spec ?? {}) as { providerID?: string; unschedulable?: boolean; taints?: unknown[] };
}
