/**
 * Maintenance through the reconciler with the real Kubernetes adapters on
 * the Kubernetes API stand-in (the control plane and hosts are the fakes):
 * the Node is cordoned and annotated in one patch, drained through the
 * Eviction API with a PodDisruptionBudget respected (429s retried, no pod
 * deleted directly), the machine reported into maintenance with its Node
 * kept; back in service, only the annotated Node is uncordoned.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { fixtureMachine, fixturePool } from "../../support/agent/fixtures.ts";
import { type RealKube, startRealKube } from "../../support/agent/kube-harness.ts";
import { testPod } from "../../support/agent/kube-pods.ts";
import {
  type ReconcilerHarness,
  sentTransitions,
  startReconcilerHarness,
} from "../../support/agent/reconciler-harness.ts";
import type { KubeObject } from "../../support/kube-api/index.ts";

const ANNOTATION = "ksp.io/cordoned-for";
let kube: RealKube | undefined;
let h: ReconcilerHarness | undefined;
afterEach(async () => {
  await h?.stop();
  await kube?.close();
  h = kube = undefined;
});

const stored = (name: string): KubeObject => kube!.kube.store.get("nodes", undefined, name);
const cordoned = (name: string) => (stored(name).spec as { unschedulable?: boolean }).unschedulable === true;
const annotations = (name: string) => stored(name).metadata.annotations ?? {};

describe("maintenance on the Kubernetes API stand-in", () => {
  it("cordons and annotates, drains respecting a PDB, keeps the Node; back in service uncordons only the annotated Node", async () => {
    kube = await startRealKube();
    const pool = fixturePool({ name: "web" });
    const poolLabel = { "kube-static-pool.io/pool": pool.name };
    const machine = fixtureMachine({
      poolId: pool.id,
      status: "draining",
      drainIntent: "maintenance",
      hostname: "n1",
      nodeName: "n1",
      statusChangedAt: new Date().toISOString(),
    });
    const other = fixtureMachine({ poolId: pool.id, status: "ready", hostname: "n2", nodeName: "n2" });
    await kube.addNode("n1", { providerId: `ksp://${machine.id}`, labels: poolLabel });
    // an operator's cordon: no annotation, never the agent's to undo
    await kube.addNode("n2", { providerId: `ksp://${other.id}`, labels: poolLabel, unschedulable: true });
    const web = { app: "web" };
    const seed = (name: string, node: string) =>
      kube!.kube.store.create("pods", "default", testPod({ name, node, labels: web }) as KubeObject, {
        keepStatus: true,
      });
    seed("web-0", "n1");
    seed("web-1", "n1");
    seed("web-2", "n2");
    kube.kube.store.create("poddisruptionbudgets", "default", {
      metadata: { name: "web" },
      spec: { minAvailable: 3, selector: { matchLabels: web } },
    });
    await kube.informer.start();
    h = await startReconcilerHarness({
      pools: [pool],
      machines: [machine, other],
      deps: { nodes: kube.informer, nodeOps: kube.operations },
    });

    await h.until("n1 cordoned and annotated", () => cordoned("n1") && annotations("n1")[ANNOTATION]);
    const evictions = () =>
      kube!.kube.requests.filter((r) => r.method === "POST" && r.path.endsWith("/eviction"));
    await h.until("an eviction refused by the budget", () => evictions().some((r) => r.status === 429));
    expect(h.fake.machine(machine.id).status).toBe("draining");
    // replacements become Ready elsewhere one at a time: the budget lets one pod go per replacement
    for (const name of ["web-3", "web-4"]) {
      await sleep(100);
      seed(name, "n2");
    }
    await h.until("maintenance", () => h!.fake.machine(machine.id).status === "maintenance", 10_000);

    expect(sentTransitions(h).map((t) => [t.from, t.to])).toEqual([["draining", "maintenance"]]);
    expect(kube.kube.store.list("pods").items.map((p) => p.metadata.name)).toEqual([
      "web-2",
      "web-3",
      "web-4",
    ]);
    expect(kube.kube.requests.filter((r) => r.method === "DELETE")).toEqual([]);
    expect(evictions().filter((r) => r.status === 201)).toHaveLength(2);
    // the Node is kept, cordoned and annotated, for the machine's return
    expect(cordoned("n1")).toBe(true);
    expect(annotations("n1")).toEqual({ [ANNOTATION]: "maintenance" });
    expect(h.work.calls).toEqual([]);

    h.fake.change((f) => {
      const m = f.machine(machine.id);
      Object.assign(m, {
        status: "ready",
        version: m.version + 1,
        statusChangedAt: new Date().toISOString(),
      });
    });
    await h.until("n1 uncordoned", () => !cordoned("n1"));
    expect(annotations("n1")).toEqual({});
    await sleep(200);
    expect(cordoned("n2")).toBe(true);
    expect(annotations("n2")).toEqual({});
    const patches = kube.kube.requests.filter((r) => r.method === "PATCH");
    expect(patches.every((r) => r.path === "/api/v1/nodes/n1")).toBe(true);
  });
});
