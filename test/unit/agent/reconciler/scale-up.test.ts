/**
 * Scale-up through the reconciler: reserved → joining (written ahead) → the
 * join on the host with the batch's token → a Ready Node → ready, within the
 * pool's caps, one bootstrap token per batch, deleted when the batch ends.
 */
import { describe, expect, it } from "vitest";
import type { JoinSpec } from "../../../../agent/execution/types.ts";
import { fixtureMachine, fixtureMachines, fixturePool } from "../../../support/agent/fixtures.ts";
import { reconcilerHarnesses, sentTransitions } from "../../../support/agent/reconciler-harness.ts";

const start = reconcilerHarnesses();

describe("reconciler: scale-up", () => {
  it("joins a reserved machine: joining written ahead, the Node's labels and taints complete, then ready", async () => {
    const pool = fixturePool({
      name: "web",
      template: {
        labels: { tier: "frontend", "node-role.kubernetes.io/web": "" },
        taints: [{ key: "dedicated", value: "web", effect: "NoSchedule" }],
      },
    });
    const machine = fixtureMachine({ poolId: pool.id, status: "reserved", hostname: "Web-1", zone: "eu-1a" });
    const h = await start({ pools: [pool], machines: [machine] });

    await h.until("the machine to be ready", () => h.fake.machine(machine.id).status === "ready");
    expect(sentTransitions(h).map((t) => [t.from, t.to])).toEqual([
      ["reserved", "joining"],
      ["joining", "ready"],
    ]);
    expect(h.fake.machine(machine.id).nodeName).toBe("web-1");
    // the work reached the host only after joining was recorded
    const joinCall = h.work.calls.find((c) => c.kind === "join")!;
    const spec = joinCall.spec as JoinSpec;
    expect(spec).toMatchObject({
      nodeName: "web-1",
      providerId: `ksp://${machine.id}`,
      cluster: { apiEndpoint: "10.0.0.1:6443" },
      taints: [{ key: "dedicated", value: "web", effect: "NoSchedule" }],
    });
    // the kubelet may not set node-role.kubernetes.io labels itself: those are patched in afterwards
    expect(spec.kubeletLabels).toEqual({
      tier: "frontend",
      "topology.kubernetes.io/zone": "eu-1a",
      "kube-static-pool.io/pool": "web",
    });
    expect(h.kube.node("web-1")?.labels).toMatchObject({
      "node-role.kubernetes.io/web": "",
      "kube-static-pool.io/pool": "web",
    });
    expect(h.metrics.joins).toHaveLength(1);
    expect(h.metrics.operations).toContainEqual({ pool: "web", kind: "join", outcome: "succeeded" });
  });

  it("shares one bootstrap token per batch and deletes it when the batch ends", async () => {
    const pool = fixturePool();
    const machines = fixtureMachines(3, { poolId: pool.id, status: "reserved" });
    const h = await start({ pools: [pool], machines });
    await h.until("all ready", () => machines.every((m) => h.fake.machine(m.id).status === "ready"));
    const tokens = new Set(h.work.calls.filter((c) => c.kind === "join").map((c) => c.token));
    expect(tokens.size).toBe(1);
    expect(h.kube.callsOf("createToken")).toHaveLength(1);
    await h.until("the token to be deleted", () => h.kube.callsOf("deleteToken").length === 1);
    expect(h.kube.tokens()).toEqual([]);
  });

  it("never joins more of a pool's machines at once than its cap", async () => {
    const pool = fixturePool({ lifecycle: { ...fixturePool().lifecycle, maxConcurrentJoins: 2 } });
    const machines = fixtureMachines(5, { poolId: pool.id, status: "reserved" });
    const h = await start({ pools: [pool], machines, prepare: (_kube, work) => (work.delayMs = 30) });
    await h.until("all ready", () => machines.every((m) => h.fake.machine(m.id).status === "ready"));
    expect(h.work.maxActive).toBe(2);
    expect(h.work.calls.filter((c) => c.kind === "join")).toHaveLength(5);
  });

  it("resumes a joining machine whose Node is already Ready without touching the host", async () => {
    const pool = fixturePool();
    const machine = fixtureMachine({ poolId: pool.id, status: "joining", hostname: "node-a" });
    const h = await start({
      pools: [pool],
      machines: [machine],
      prepare: (kube) => kube.addNode("node-a", { providerId: `ksp://${machine.id}`, ready: true }),
    });
    await h.until("ready", () => h.fake.machine(machine.id).status === "ready");
    expect(h.work.calls).toEqual([]);
    expect(h.kube.callsOf("createToken")).toEqual([]);
  });

  it("waits for a Node that registers NotReady to become Ready", async () => {
    const pool = fixturePool();
    const machine = fixtureMachine({ poolId: pool.id, status: "reserved", hostname: "slow" });
    const h = await start({
      pools: [pool],
      machines: [machine],
      prepare: (_kube, work) => (work.registersNodes = false),
    });
    await h.until("the join to have run", () => h.work.calls.length === 1);
    h.kube.addNode("slow", { providerId: `ksp://${machine.id}`, ready: false });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(h.fake.machine(machine.id).status).toBe("joining");
    h.kube.setReady("slow", true);
    await h.until("ready", () => h.fake.machine(machine.id).status === "ready");
  });

  it("does nothing while not the leader, and takes over once it leads", async () => {
    const pool = fixturePool();
    const machine = fixtureMachine({ poolId: pool.id, status: "reserved" });
    const h = await start({ pools: [pool], machines: [machine], follower: true });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(h.fake.machine(machine.id).status).toBe("reserved");
    expect(h.work.calls).toEqual([]);
    h.leadership.leader = true;
    await h.until("ready", () => h.fake.machine(machine.id).status === "ready");
  });

  it("retries after a transient failure (discovery down) with backoff, without a status change", async () => {
    const pool = fixturePool();
    const machine = fixtureMachine({ poolId: pool.id, status: "reserved" });
    const h = await start({
      pools: [pool],
      machines: [machine],
      prepare: (kube) => {
        kube.failNext("discover");
        kube.failNext("discover");
      },
    });
    await h.until("ready", () => h.fake.machine(machine.id).status === "ready");
    expect(h.kube.callsOf("discover").length).toBe(3);
    expect(h.metrics.operations.filter((o) => o.outcome === "retry")).toHaveLength(2);
    expect(sentTransitions(h).map((t) => t.to)).toEqual(["joining", "ready"]);
  });
});
