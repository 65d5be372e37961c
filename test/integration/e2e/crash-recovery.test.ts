/**
 * Crash recovery end to end: the agent process is SIGKILLed at each step of
 * a join and of a removal, then started again, on the sandbox stack (the
 * embedded control plane, the real agent, the Kubernetes API test server,
 * real sshd hosts with the fake kubeadm). Each step is reached exactly: a
 * host command still running (the fakes list what runs), or an API request
 * held unanswered by the API server stand-in. After the restart every
 * machine must end `ready` or `available` (or `fault` with a reason): never
 * stuck, no duplicate Node, no bootstrap token left, no half-reset host.
 */
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { asCaNode, machineIdOf, requireSandbox, until, useSandboxStack } from "../../support/e2e-stack.ts";
import { startReplicaController } from "../../support/kube-api/index.ts";

const ok = await requireSandbox();
const POOL = "default";

describe.skipIf(!ok)("crash recovery: the agent SIGKILLed at each lifecycle step", () => {
  const e2e = useSandboxStack({
    hosts: 3,
    pool: {
      drainSettings: { timeoutSeconds: 120, gracePeriodSeconds: 1 },
      // one at a time: a second machine waits as `reserved` while the first joins
      lifecycleSettings: { maxConcurrentJoins: 1, maxConcurrentRemovals: 1 },
    },
  });
  const { machine, statuses, nodes, nodesOf, hostOf, tokens } = e2e;

  const running = async (id: string, command: string) =>
    (await hostOf(id).runningCalls()).some((c) => c.argv.join(" ").startsWith(command));

  /** SIGKILL, then (after `meanwhile`) a new agent process with the same identity and credential. */
  async function crashAndRestart(meanwhile?: () => Promise<void>): Promise<void> {
    e2e.stack.agent.kill();
    await e2e.stack.agent.exited;
    await meanwhile?.();
    await e2e.stack.restartAgent();
  }

  /** What every scenario ends with: settled statuses, one Node per joined machine, no token, a clean host. */
  async function expectSettled(ids: readonly string[], want: "ready" | "available"): Promise<void> {
    await until(
      `${ids.length} machine(s) ${want}`,
      async () => {
        const now = await statuses();
        return ids.every((id) => now[id] === want);
      },
      90_000,
    );
    for (const id of ids) {
      const host = hostOf(id);
      if (want === "ready") {
        expect(nodesOf(id), `one Node for ${id}`).toHaveLength(1);
        expect(await host.kubeletRunning()).toBe(true);
      } else {
        expect(nodesOf(id)).toEqual([]);
        expect(await host.kubeletRunning()).toBe(false);
        expect(existsSync(host.path("/etc/kubernetes/kubelet.conf"))).toBe(false);
        expect(existsSync(host.path("/etc/kubernetes/ksp"))).toBe(false);
      }
    }
    await until("no bootstrap token left", async () => tokens().length === 0, 15_000);
  }

  // One scenario on one stack (a stack is too costly to start per test): the removals crash the agent
  // while it takes apart the machines the joins made, so the steps run in this order inside one test
  // instead of depending on the order of separate tests.
  it("joins and removals each resume after the agent is SIGKILLed at every step", async () => {
    // 1. after a reservation and mid-preflight: both joins resume and finish
    const all = e2e.stack.hosts.map((h) => h.machineId);
    // which two CA's scale-up reserves is the control plane's choice: every host is slow to preflight
    for (const id of all) await hostOf(id).setBehaviour("timedatectl", { delayMs: 30_000 });
    expect(await e2e.ca.scaleUp(POOL, 2)).toMatchObject({ outcome: "scaled", after: 2 });
    const [preflighting, reserved] = await until("one machine mid-preflight, one reserved", async () => {
      const now = await statuses();
      const p = all.find((id) => now[id] === "joining");
      const r = all.find((id) => now[id] === "reserved");
      return p && r && (await running(p, "timedatectl")) && [p, r];
    });
    await crashAndRestart(async () => {
      for (const id of all) await hostOf(id).setBehaviour("timedatectl", null);
    });
    await expectSettled([preflighting!, reserved!], "ready");
    let joined = [preflighting!, reserved!];

    // 2. mid-join (kubeadm join running), then before the Node registered: the join resumes
    const c = e2e.stack.hosts.map((h) => h.machineId).find((id) => !joined.includes(id))!;
    // long enough that, on a loaded machine, the hold below is in place before this join registers its Node
    await hostOf(c).setBehaviour("kubeadm join", { delayMs: 10_000 });
    expect(await e2e.ca.scaleUp(POOL, 1)).toMatchObject({ outcome: "scaled", after: 3 });
    await until("kubeadm join running", () => running(c, "kubeadm join"));
    // the next kubeadm join gets as far as registering its Node, and waits there
    const registration = e2e.stack.kube.hold({ method: "POST", path: /^\/api\/v1\/nodes(\?|$)/ });
    try {
      await crashAndRestart(async () => hostOf(c).setBehaviour("kubeadm join", null));
      await registration.waitHeld(1, 60_000);
      expect((await machine(c)).status).toBe("joining");
      await crashAndRestart(async () => registration.release());
    } finally {
      registration.release();
    }
    await expectSettled([c], "ready");
    joined.push(c);

    // 3. mid-drain (evictions refused by a PDB): the removal resumes once the budget allows
    const rs = startReplicaController(e2e.stack.kube, {
      namespace: "default",
      name: "web",
      labels: { app: "web" },
      replicas: 1,
    });
    try {
      e2e.stack.kube.store.create("poddisruptionbudgets", "default", {
        metadata: { name: "web" },
        spec: { minAvailable: 1, selector: { matchLabels: { app: "web" } } },
      });
      const host = await until("the replica on a Node", async () => {
        const name = rs.pods().map((p) => (p.spec as { nodeName?: string }).nodeName)[0];
        return name ? nodes().find((n) => n.metadata.name === name) : undefined;
      });
      const id = machineIdOf(host);
      expect(joined).toContain(id);
      await e2e.ca.deleteNodes(POOL, [asCaNode(host)]);
      await until("an eviction refused by the PDB", async () =>
        e2e.stack.kube.requests.some((r) => r.path.endsWith("/eviction") && r.status === 429),
      );
      expect((await machine(id)).status).toBe("draining");
      await crashAndRestart();
      // still cordoned and draining after the restart; then the budget allows one more replica
      expect((await machine(id)).status).toBe("draining");
      rs.scale(2);
      await expectSettled([id], "available");
      joined = joined.filter((j) => j !== id);
    } finally {
      rs.stop();
      e2e.stack.kube.store.delete("poddisruptionbudgets", "default", "web");
      for (const pod of e2e.stack.kube.store.list("pods", { namespace: "default" }).items) {
        e2e.stack.kube.store.delete("pods", "default", pod.metadata.name!);
      }
    }

    // 4. mid-reset, then after the reset but before the Node is deleted: the removal finishes
    const [first, second] = joined;
    // mid-reset: kubeadm reset is running on the host
    // long enough that, on a loaded machine, the reset is still running when the agent is killed
    await hostOf(first!).setBehaviour("kubeadm reset", { delayMs: 10_000 });
    const n1 = nodesOf(first!)[0]!;
    await e2e.ca.deleteNodes(POOL, [asCaNode(n1)]);
    await until("kubeadm reset running", () => running(first!, "kubeadm reset"));
    expect((await machine(first!)).status).toBe("leaving");
    await crashAndRestart(async () => hostOf(first!).setBehaviour("kubeadm reset", null));
    await expectSettled([first!], "available");

    // the host is reset; the agent's Node delete waits unanswered at the API server
    const n2 = nodesOf(second!)[0]!;
    const deletion = e2e.stack.kube.hold({
      method: "DELETE",
      path: new RegExp(`^/api/v1/nodes/${n2.metadata.name}(\\?|$)`),
    });
    try {
      await e2e.ca.deleteNodes(POOL, [asCaNode(n2)]);
      await deletion.waitHeld(1, 60_000);
      expect(await hostOf(second!).kubeletRunning()).toBe(false);
      expect((await machine(second!)).status).toBe("leaving");
      await crashAndRestart(async () => deletion.release());
    } finally {
      deletion.release();
    }
    await expectSettled([second!], "available");
    // a kubelet left running would re-register its Node within a second
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(nodesOf(first!)).toEqual([]);
    expect(nodesOf(second!)).toEqual([]);
    expect(await e2e.ca.targetSize(POOL)).toBe(0);
  }, 720_000);
});
