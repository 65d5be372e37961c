/**
 * FakeKube's own controls. Its adapter behaviour is held to the real
 * adapters' by the shared contract (test/integration/agent/kubernetes/contract.test.ts).
 */
import { describe, expect, it } from "vitest";
import { DrainError, KubeError } from "../../../../agent/kubernetes/kube-error.ts";
import type { DrainOptions } from "../../../../agent/kubernetes/types.ts";
import { ManualClock } from "../../../../shared/clock.ts";
import { FAKE_JOIN_INFO, FakeKube } from "../../../support/agent/fake-kube.ts";
import { testPod } from "../../../support/agent/kube-pods.ts";

const drain: DrainOptions = {
  timeoutMs: 1000,
  gracePeriodSeconds: -1,
  ignoreDaemonSets: true,
  deleteEmptyDirData: true,
  force: true,
};

describe("FakeKube", () => {
  it("shows Nodes through the informer only once started, telling subscribers at once", async () => {
    const kube = new FakeKube();
    kube.addNode("n1", { providerId: "ksp://m1", ready: false });
    expect(kube.nodeInformer.byName("n1")).toBeUndefined();
    await kube.nodeInformer.start();
    let told = 0;
    kube.nodeInformer.subscribe(() => {
      told += 1;
    });
    kube.setReady("n1", true);
    expect(told).toBe(1);
    expect(kube.nodeInformer.byProviderId("ksp://m1")?.ready).toBe(true);
    kube.updateNode("n1", { labels: { pool: "a" }, deleting: true });
    expect(kube.nodeInformer.byName("n1")).toMatchObject({ labels: { pool: "a" }, deleting: true });
    await kube.nodeInformer.stop();
    kube.removeNode("n1");
    expect(kube.nodeInformer.byName("n1")).toBeDefined();
    expect(kube.node("n1")).toBeUndefined();
    expect(() => kube.addNode("n2") && kube.addNode("n2")).toThrow(/already exists/);
  });

  it("fails the next call of a method with the queued error, then behaves again", async () => {
    const kube = new FakeKube();
    kube.addNode("n1");
    const boom = new KubeError("boom", { status: 503 });
    kube.failNext("cordon", boom);
    kube.failNext("cordon");
    await expect(kube.nodeOperations.cordon("n1")).rejects.toBe(boom);
    await expect(kube.nodeOperations.cordon("n1")).rejects.toMatchObject({ status: 500 });
    await kube.nodeOperations.cordon("n1");
    expect(kube.node("n1")?.unschedulable).toBe(true);
    kube.failNext("start");
    await expect(kube.nodeInformer.start()).rejects.toBeInstanceOf(KubeError);
    expect(kube.nodeInformer.synced()).toBe(false);
    kube.failNext("discover");
    await expect(kube.discovery.discover()).rejects.toBeInstanceOf(KubeError);
    expect(await kube.discovery.discover()).toEqual(FAKE_JOIN_INFO);
    expect(kube.callsOf("cordon")).toEqual([["n1"], ["n1"], ["n1"]]);
  });

  it("logs every call in order, leaving drain's signal out", async () => {
    const kube = new FakeKube();
    kube.addNode("n1");
    const signal = new AbortController().signal;
    await kube.nodeOperations.drain("n1", { ...drain, signal });
    await kube.nodeOperations.ensureLabelsAndTaints("n1", { a: "b" }, []);
    await kube.nodeOperations.delete("n1", { uid: kube.node("n1")!.uid });
    await kube.bootstrapTokens.create({ description: "d", ttlMs: 60_000 });
    expect(kube.calls.map((c) => c.method)).toEqual([
      "drain",
      "ensureLabelsAndTaints",
      "deleteNode",
      "createToken",
    ]);
    expect(kube.calls[0]!.args[1]).toMatchObject({ timeoutMs: 1000, signal: undefined });
  });

  it("drains slowly, or fails, as told", async () => {
    const kube = new FakeKube();
    kube.addNode("n1");
    kube.addPod(testPod({ name: "a", node: "n1" }));
    kube.setDrainBehaviour({ delayMs: 80 });
    const started = Date.now();
    expect((await kube.nodeOperations.drain("n1", drain)).evicted).toEqual(["default/a"]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(75);

    kube.setDrainBehaviour({ delayMs: 5000 });
    await expect(kube.nodeOperations.drain("n1", { ...drain, timeoutMs: 50 })).rejects.toMatchObject({
      failure: "timeout",
    });
    kube.setDrainBehaviour({ fail: "timeout" });
    await expect(kube.nodeOperations.drain("n1", { ...drain, timeoutMs: 50 })).rejects.toMatchObject({
      failure: "timeout",
    });
    kube.setDrainBehaviour({ fail: "blocked" });
    const blocked = await kube.nodeOperations.drain("n1", drain).catch((e: unknown) => e);
    expect(blocked).toBeInstanceOf(DrainError);
    expect(blocked).toMatchObject({ failure: "blocked" });
  });

  it("counts refusals while a pod's budget is blocked and evicts once released", async () => {
    const kube = new FakeKube({ evictionRetryMs: 5 });
    kube.addNode("n1");
    const key = kube.addPod(testPod({ name: "db", node: "n1" }), { pdbBlocked: true });
    setTimeout(() => kube.setPdbBlocked(key, false), 60);
    const result = await kube.nodeOperations.drain("n1", drain);
    expect(result.evicted).toEqual(["default/db"]);
    expect(result.pdbRetries).toBeGreaterThan(3);
    expect(kube.pods()).toEqual([]);
  });

  it("lists live tokens by the clock and says when cluster-info is missing", async () => {
    const clock = new ManualClock();
    const kube = new FakeKube({ clock, identity: "agent-1", joinInfo: null });
    const token = await kube.bootstrapTokens.create({ description: "batch", ttlMs: 10_000 });
    expect(kube.tokens()).toEqual([{ ...token, description: "ksp-agent agent-1: batch", managed: true }]);
    clock.advance(10_000);
    expect(kube.tokens()).toEqual([]);
    await expect(kube.discovery.discover()).rejects.toMatchObject({ status: 404 });
    kube.setJoinInfo(FAKE_JOIN_INFO);
    expect(await kube.discovery.discover()).toEqual(FAKE_JOIN_INFO);
  });
});
