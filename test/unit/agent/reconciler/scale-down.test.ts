/**
 * Scale-down and cancellation through the reconciler: cordon → drain →
 * leaving → reset → delete the Node → available, in that order; a cancelled
 * join is aborted, reset and freed; caps hold.
 */
import { describe, expect, it } from "vitest";
import { fixtureMachine, fixtureMachines, fixturePool } from "../../../support/agent/fixtures.ts";
import { testPod } from "../../../support/agent/kube-pods.ts";
import { reconcilerHarnesses, sentTransitions } from "../../../support/agent/reconciler-harness.ts";

const start = reconcilerHarnesses();

/** The node CA fabricates for an instance that never registered: name = providerID = instance id. */
const fakeNode = (machineId: string) => ({
  name: `ksp://${machineId}`,
  providerId: `ksp://${machineId}`,
  labels: {},
  annotations: { "k8s.io/cluster-autoscaler/fake-node-reason": "Unregistered" },
});

/** A machine in `status` whose host is joined and whose Node exists. */
function joinedMachine(poolId: string, status: "draining" | "ready", n: number) {
  return fixtureMachine({ poolId, status, hostname: `node-${n}`, nodeName: `node-${n}` });
}

describe("reconciler: scale-down", () => {
  it("cordons, drains, writes leaving ahead of the reset, resets, deletes the Node, then frees the machine", async () => {
    const pool = fixturePool();
    const machine = joinedMachine(pool.id, "draining", 1);
    const h = await start({
      pools: [pool],
      machines: [machine],
      prepare: (kube, work) => {
        kube.addNode("node-1", { providerId: `ksp://${machine.id}` });
        kube.addPod(testPod({ name: "web-1", node: "node-1" }));
        work.joined.set(machine.id, `ksp://${machine.id}`);
      },
    });
    await h.until("available", () => h.fake.machine(machine.id).status === "available");
    expect(sentTransitions(h).map((t) => [t.from, t.to])).toEqual([
      ["draining", "leaving"],
      ["leaving", "available"],
    ]);
    const startup = ["start", "deleteExpired", "deleteOrphaned"];
    const order = h.kube.calls.map((c) => c.method).filter((m) => !startup.includes(m));
    expect(order).toEqual(["cordon", "drain", "deleteNode"]);
    expect(h.kube.pods("node-1")).toEqual([]);
    expect(h.kube.node("node-1")).toBeUndefined();
    expect(h.work.joined.has(machine.id)).toBe(false);
    expect(h.metrics.drains).toHaveLength(1);
  });

  it("never removes more of a pool's machines at once than its cap", async () => {
    const pool = fixturePool({ lifecycle: { ...fixturePool().lifecycle, maxConcurrentRemovals: 2 } });
    const machines = [1, 2, 3, 4].map((n) => joinedMachine(pool.id, "draining", n));
    const h = await start({
      pools: [pool],
      machines,
      prepare: (kube, work) => {
        for (const [i, m] of machines.entries())
          kube.addNode(`node-${i + 1}`, { providerId: `ksp://${m.id}` });
        work.delayMs = 30;
      },
    });
    await h.until("all available", () => machines.every((m) => h.fake.machine(m.id).status === "available"));
    expect(h.work.maxActive).toBe(2);
  });

  it("a drain that runs out of time moves the machine to fault and leaves the Node cordoned", async () => {
    const pool = fixturePool({ drain: { ...fixturePool().drain, timeoutSeconds: 0 } });
    const machine = joinedMachine(pool.id, "draining", 1);
    const h = await start({
      pools: [pool],
      machines: [machine],
      prepare: (kube) => {
        kube.addNode("node-1", { providerId: `ksp://${machine.id}` });
        kube.addPod(testPod({ name: "db-0", node: "node-1" }), { pdbBlocked: true });
      },
    });
    await h.until("fault", () => h.fake.machine(machine.id).status === "fault");
    expect(h.fake.machine(machine.id).statusReason).toMatch(/^drain did not finish within 0 s/);
    expect(h.kube.node("node-1")?.unschedulable).toBe(true);
    expect(h.kube.pods("node-1")).toEqual(["default/db-0"]);
    expect(h.work.calls).toEqual([]);
  });

  it("a failed reset moves the machine to fault with the step and its output", async () => {
    const pool = fixturePool();
    const machine = fixtureMachine({ poolId: pool.id, status: "leaving", hostname: "node-1" });
    const h = await start({
      pools: [pool],
      machines: [machine],
      prepare: (_kube, work) =>
        work.failNext("reset", machine.id, {
          step: "reset.kubeadm-reset",
          message: "kubeadm reset exited with 1",
          outputTail: "[reset] unmount failed",
        }),
    });
    await h.until("fault", () => h.fake.machine(machine.id).status === "fault");
    const m = h.fake.machine(machine.id);
    expect(m.statusReason).toBe("reset failed at reset.kubeadm-reset (command): kubeadm reset exited with 1");
    expect(m.lastError).toBe(
      "reset.kubeadm-reset: reset failed at reset.kubeadm-reset (command): kubeadm reset exited with 1\n" +
        "[reset] unmount failed",
    );
  });

  it("a join CA cancels mid-way is aborted, then the host is reset and the machine freed", async () => {
    const pool = fixturePool();
    const machine = fixtureMachine({ poolId: pool.id, status: "reserved", hostname: "node-1" });
    const h = await start({
      pools: [pool],
      machines: [machine],
      prepare: (_kube, work) => work.failNext("join", machine.id, "hang"),
    });
    await h.until("the join to be running", () => h.work.active === 1);
    // CA gives up on the instance: NodeGroupDeleteNodes with its fake node
    await h.service.deleteNodes(pool.name, [fakeNode(machine.id)]);
    expect(h.fake.machine(machine.id).status).toBe("leaving");
    await h.until("available", () => h.fake.machine(machine.id).status === "available");
    expect(h.work.calls.map((c) => c.kind)).toEqual(["join", "reset"]);
    expect(h.metrics.operations).toContainEqual(
      expect.objectContaining({ kind: "join", outcome: "aborted" }),
    );
    await h.until("the batch's token to be gone", () => h.kube.tokens().length === 0);
  });

  it("a reserved machine CA cancels before it joined is never touched", async () => {
    const pool = fixturePool({ lifecycle: { ...fixturePool().lifecycle, maxConcurrentJoins: 1 } });
    const [busy, waiting] = fixtureMachines(2, { poolId: pool.id, status: "reserved" });
    const h = await start({
      pools: [pool],
      machines: [busy!, waiting!],
      prepare: (_kube, work) => work.failNext("join", busy!.id, "hang"),
    });
    await h.until("the first join to be running", () => h.work.active === 1);
    expect(h.fake.machine(waiting!.id).status).toBe("reserved");
    await h.service.deleteNodes(pool.name, [fakeNode(waiting!.id)]);
    expect(h.fake.machine(waiting!.id).status).toBe("available");
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(h.work.calls.map((c) => c.machineId)).toEqual([busy!.id]);
  });
});
