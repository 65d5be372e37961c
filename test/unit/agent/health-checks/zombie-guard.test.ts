/**
 * The zombie guard: a Node with our providerID prefix whose machine is not a
 * node of this cluster, still so 10 s after it was first seen, is cordoned
 * with a Warning Event, once per Node; for a free machine of a pool with
 * zombieAction "remove", the machine is held in fault while its host is
 * reset and the Node deleted, then freed again.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { DEFAULT_POOL_LIFECYCLE } from "../../../../proto/agent-api.ts";
import { fixtureMachine, fixturePool } from "../../../support/agent/fixtures.ts";
import { healthHarnesses, sentTransitions } from "../../../support/agent/health-harness.ts";

const start = healthHarnesses();

const pool = (zombieAction: "cordon" | "remove") =>
  fixturePool({ lifecycle: { ...DEFAULT_POOL_LIFECYCLE, zombieAction } });

describe("health checks: zombie guard", () => {
  it("cordons a Node of a free machine once confirmed 10 s later, with an event, once", async () => {
    const p = pool("cordon");
    const m = fixtureMachine({ poolId: p.id, status: "available", hostname: "h-free" });
    const h = await start({
      pools: [p],
      machines: [m],
      prepare: (kube) => kube.addNode("h-free", { providerId: `ksp://${m.id}` }),
    });
    await h.pass();
    h.advance(5_000);
    await h.pass();
    expect(h.kube.callsOf("cordon")).toEqual([]);
    h.advance(5_000);
    await h.pass();
    expect(h.kube.callsOf("cordon")).toEqual([["h-free"]]);
    expect(h.kube.node("h-free")?.unschedulable).toBe(true);
    expect(h.events.on("h-free")).toEqual([
      {
        node: "h-free",
        uid: h.kube.node("h-free")!.uid,
        reason: "KspZombieNode",
        type: "Warning",
        message: `node h-free has providerID ksp://${m.id}, but machine h-free (${m.id}) is available: cordoned`,
      },
    ]);
    expect(h.metrics.zombies).toEqual(["cordoned"]);
    expect(h.work.calls).toEqual([]);
    expect(sentTransitions(h)).toEqual([]);

    h.advance(60_000);
    await h.pass();
    expect(h.kube.callsOf("cordon")).toHaveLength(1);
    expect(h.events.recorded).toHaveLength(1);
  });

  it("zombieAction remove: holds the machine in fault, resets the host, deletes the Node, frees it", async () => {
    const p = pool("remove");
    const m = fixtureMachine({ poolId: p.id, status: "available", hostname: "h-zombie" });
    const h = await start({
      pools: [p],
      machines: [m],
      prepare: (kube) => kube.addNode("h-zombie", { providerId: `ksp://${m.id}` }),
    });
    const uid = h.kube.node("h-zombie")!.uid;
    await h.pass();
    h.advance(10_000);
    await h.pass();

    expect(h.kube.node("h-zombie")).toBeUndefined();
    expect(h.kube.callsOf("deleteNode")).toEqual([["h-zombie", { uid }]]);
    expect(h.work.calls).toEqual([
      expect.objectContaining({
        kind: "reset",
        machineId: m.id,
        spec: expect.objectContaining({
          nodeName: "h-zombie",
          providerId: `ksp://${m.id}`,
          poolName: p.name,
        }),
      }),
    ]);
    expect(sentTransitions(h).map((t) => [t.from, t.to, t.reason])).toEqual([
      [
        "available",
        "fault",
        expect.stringMatching(/^zombie: node h-zombie registered with this free machine/),
      ],
      ["fault", "available", "zombie: host reset and node h-zombie deleted"],
    ]);
    expect(h.machine(m.id).status).toBe("available");
    expect(h.metrics.zombies).toEqual(["cordoned", "removed"]);
    expect(h.events.on("h-zombie")[0]?.message).toMatch(/resets the host and deletes the node$/);
  });

  it("a reset that fails leaves the machine in fault and the Node cordoned, with a second event", async () => {
    const p = pool("remove");
    const m = fixtureMachine({ poolId: p.id, status: "available", hostname: "h-stuck" });
    const h = await start({
      pools: [p],
      machines: [m],
      prepare: (kube, work) => {
        kube.addNode("h-stuck", { providerId: `ksp://${m.id}` });
        work.failNext("reset", m.id, { step: "reset.kubeadm-reset", message: "kubeadm reset exited with 1" });
      },
    });
    await h.pass();
    h.advance(10_000);
    await h.pass();
    expect(h.machine(m.id).status).toBe("fault");
    expect(h.kube.node("h-stuck")?.unschedulable).toBe(true);
    expect(h.events.on("h-stuck").map((e) => e.reason)).toEqual([
      "KspZombieNode",
      "KspZombieNodeRemovalFailed",
    ]);
    expect(h.metrics.zombies).toEqual(["cordoned"]);
    // a fault machine's Node is no zombie: nothing more happens
    h.advance(60_000);
    await h.pass();
    expect(h.kube.callsOf("cordon")).toHaveLength(1);
  });

  it("a Node of a machine unknown to this cluster is only cordoned, even where removal is allowed", async () => {
    const p = pool("remove");
    const stranger = randomUUID();
    const h = await start({
      pools: [p],
      machines: [],
      prepare: (kube) => kube.addNode("stranger", { providerId: `ksp://${stranger}` }),
    });
    await h.pass();
    h.advance(10_000);
    await h.pass();
    expect(h.kube.node("stranger")?.unschedulable).toBe(true);
    expect(h.events.on("stranger")[0]?.message).toBe(
      `node stranger has providerID ksp://${stranger}, but machine ${stranger} is not a machine of this cluster: cordoned`,
    );
    expect(h.work.calls).toEqual([]);
    expect(h.metrics.zombies).toEqual(["cordoned"]);
  });

  it("leaves alone: in-use and fault machines' Nodes, foreign providerIDs, Nodes being deleted, the reconciler's machines", async () => {
    const p = pool("remove");
    const ready = fixtureMachine({ poolId: p.id, status: "ready" });
    const fault = fixtureMachine({ poolId: p.id, status: "fault" });
    const leaving = fixtureMachine({ poolId: p.id, status: "available" });
    const h = await start({
      pools: [p],
      machines: [ready, fault, leaving],
      prepare: (kube) => {
        kube.addNode("n-ready", { providerId: `ksp://${ready.id}` });
        kube.addNode("n-fault", { providerId: `ksp://${fault.id}`, ready: false });
        kube.addNode("n-cloud", { providerId: "aws:///eu-west-1a/i-0abc" });
        kube.addNode("n-none", { providerId: null });
        kube.addNode("n-deleting", { providerId: `ksp://${randomUUID()}`, deleting: true });
        kube.addNode("n-busy", { providerId: `ksp://${leaving.id}` });
      },
    });
    h.running.set(leaving.id, "remove");
    await h.pass();
    h.advance(10_000);
    await h.pass();
    expect(h.kube.callsOf("cordon")).toEqual([]);
    expect(h.events.recorded).toEqual([]);
  });

  it("a machine in maintenance that kept its Node is no zombie; one that came from the free inventory is", async () => {
    const p = pool("remove");
    const id = randomUUID();
    const drained = fixtureMachine({
      id,
      poolId: p.id,
      status: "maintenance",
      hostname: "n-maint",
      nodeName: "n-maint",
      providerId: `ksp://${id}`,
    });
    const free = fixtureMachine({ poolId: p.id, status: "maintenance", hostname: "n-stray" });
    const h = await start({
      pools: [p],
      machines: [drained, free],
      prepare: (kube) => {
        kube.addNode("n-maint", {
          providerId: `ksp://${drained.id}`,
          unschedulable: true,
          cordonedFor: "maintenance",
        });
        kube.addNode("n-stray", { providerId: `ksp://${free.id}` });
      },
    });
    await h.pass();
    h.advance(10_000);
    await h.pass();
    expect(h.kube.callsOf("cordon")).toEqual([["n-stray"]]);
    expect(h.kube.node("n-maint")).toMatchObject({ unschedulable: true, cordonedFor: "maintenance" });
    expect(h.events.on("n-maint")).toEqual([]);
    // maintenance is no free machine: the stray Node is only cordoned, never removed
    expect(h.work.calls).toEqual([]);
    expect(sentTransitions(h)).toEqual([]);
  });

  it("a suspect that stops being one before it is confirmed is left alone", async () => {
    const p = pool("remove");
    const m = fixtureMachine({ poolId: p.id, status: "available" });
    const h = await start({
      pools: [p],
      machines: [m],
      prepare: (kube) => kube.addNode("n-lag", { providerId: `ksp://${m.id}` }),
    });
    await h.pass();
    // the sync catches up: the machine was reserved and is joining
    h.fake.change((f) =>
      Object.assign(f.machine(m.id), { status: "joining", version: 3, providerId: `ksp://${m.id}` }),
    );
    await h.service.refresh();
    h.advance(10_000);
    await h.pass();
    h.fake.change((f) => Object.assign(f.machine(m.id), { status: "available", version: 4 }));
    await h.service.refresh();
    h.advance(5_000);
    await h.pass(); // a new suspicion starts here
    expect(h.kube.callsOf("cordon")).toEqual([]);
    h.advance(10_000);
    await h.pass();
    expect(h.kube.callsOf("cordon")).toEqual([["n-lag"]]);
  });

  it("a cordon the API server refuses is tried again later; an event it refuses does not stop the removal", async () => {
    const p = pool("remove");
    const m = fixtureMachine({ poolId: p.id, status: "available" });
    const h = await start({
      pools: [p],
      machines: [m],
      prepare: (kube) => kube.addNode("n-retry", { providerId: `ksp://${m.id}` }),
    });
    h.kube.failNext("cordon");
    h.events.failNext();
    await h.pass();
    h.advance(10_000);
    await h.pass();
    expect(h.kube.node("n-retry")?.unschedulable).toBe(false);
    h.advance(2_000);
    await h.pass(); // suspected again
    h.advance(10_000);
    await h.pass();
    expect(h.kube.node("n-retry")).toBeUndefined();
    expect(h.machine(m.id).status).toBe("available");
    expect(h.events.recorded).toEqual([]);
    expect(h.logs.some((l) => l.msg === "could not record an event on a node")).toBe(true);
  });
});
