/**
 * Node operations on the Kubernetes API stand-in, beyond the shared contract:
 * drains that wait on a PodDisruptionBudget and never delete a pod directly,
 * what each eviction carries, bounded concurrency, a pod replaced under the
 * same name, and the resourceVersion-guarded labels/taints and marked-cordon writes.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { CoreV1Api, type V1Eviction } from "@kubernetes/client-node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DrainError } from "../../../../agent/kubernetes/kube-error.ts";
import { createNodeOperations, type NodesApi } from "../../../../agent/kubernetes/node-operations.ts";
import type { DrainOptions } from "../../../../agent/kubernetes/types.ts";
import { createLogger } from "../../../../shared/logger.ts";
import { nodeObject } from "../../../support/agent/kube-harness.ts";
import { testPod } from "../../../support/agent/kube-pods.ts";
import { type KubeApiServer, type KubeObject, startKubeApiServer } from "../../../support/kube-api/index.ts";

const options = (overrides: Partial<DrainOptions> = {}): DrainOptions => ({
  timeoutMs: 5000,
  gracePeriodSeconds: -1,
  ignoreDaemonSets: true,
  deleteEmptyDirData: false,
  force: false,
  ...overrides,
});

describe("node operations on the API stand-in", () => {
  let kube: KubeApiServer;
  let core: CoreV1Api;
  let evictions: V1Eviction[];
  let inFlight: number;
  let maxInFlight: number;
  let evictionDelayMs: number;
  let afterEviction: (name: string) => void;
  let afterRead: () => void;

  /** The real CoreV1Api, recording what the adapter sends. */
  const spied = (): NodesApi => ({
    readNode: async (p) => {
      const node = await core.readNode(p);
      afterRead();
      return node;
    },
    patchNode: (p, o) => core.patchNode(p, o),
    deleteNode: (p) => core.deleteNode(p),
    listPodForAllNamespaces: (p) => core.listPodForAllNamespaces(p),
    createNamespacedPodEviction: async (p) => {
      evictions.push(structuredClone(p.body));
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        await sleep(evictionDelayMs);
        const result = await core.createNamespacedPodEviction(p);
        afterEviction(p.name);
        return result;
      } finally {
        inFlight -= 1;
      }
    },
  });
  const operations = (concurrency?: number) =>
    createNodeOperations(spied(), {
      logger: createLogger({ level: "error", sink: () => {} }),
      evictionRetry: { baseMs: 20, maxMs: 80 },
      pollIntervalMs: 20,
      ...(concurrency ? { concurrency } : {}),
    });
  const seedPod = (pod: ReturnType<typeof testPod>) =>
    kube.store.create("pods", pod.metadata!.namespace, pod as KubeObject, { keepStatus: true });
  const podRequests = (method: string) =>
    kube.requests.filter((r) => r.method === method && r.path.includes("/pods"));

  beforeEach(async () => {
    kube = await startKubeApiServer();
    core = kube.kubeConfig().makeApiClient(CoreV1Api);
    evictions = [];
    inFlight = 0;
    maxInFlight = 0;
    evictionDelayMs = 0;
    afterEviction = () => {};
    afterRead = () => {};
    kube.store.create("nodes", undefined, nodeObject("n1", {}));
  });
  afterEach(() => kube.close());

  it("waits for a PodDisruptionBudget through 429s and never deletes a pod itself", async () => {
    const web = { app: "web" };
    seedPod(testPod({ name: "web-0", node: "n1", labels: web }));
    seedPod(testPod({ name: "web-1", node: "n1", labels: web }));
    seedPod(testPod({ name: "web-2", node: "n2", labels: web }));
    kube.store.create("poddisruptionbudgets", "default", {
      metadata: { name: "web" },
      spec: { minAvailable: 3, selector: { matchLabels: web } },
    });
    // Replacements become Ready elsewhere one at a time, as a ReplicaSet's would.
    const replacements = (async () => {
      for (const name of ["web-3", "web-4"]) {
        await sleep(150);
        seedPod(testPod({ name, node: "n2", labels: web }));
      }
    })();
    const result = await operations().drain("n1", options());
    await replacements;
    expect([...result.evicted].sort()).toEqual(["default/web-0", "default/web-1"]);
    expect(result.pdbRetries).toBeGreaterThan(0);
    expect(podRequests("DELETE")).toEqual([]);
    const statuses = podRequests("POST").map((r) => r.status);
    expect(statuses.filter((s) => s === 429).length).toBe(result.pdbRetries);
    expect(statuses.filter((s) => s === 201).length).toBe(2);
    expect(kube.store.list("pods").items.map((p) => p.metadata.name)).toEqual(["web-2", "web-3", "web-4"]);
  });

  it("times out naming the pods and the budget when the budget never allows it", async () => {
    seedPod(testPod({ name: "db-0", node: "n1", labels: { app: "db" } }));
    seedPod(testPod({ name: "ok", node: "n1" }));
    kube.store.create("poddisruptionbudgets", "default", {
      metadata: { name: "db" },
      spec: { maxUnavailable: 0, selector: { matchLabels: { app: "db" } } },
    });
    const err = await operations()
      .drain("n1", options({ timeoutMs: 300 }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DrainError);
    expect(err).toMatchObject({ failure: "timeout", pods: ["default/db-0"] });
    expect((err as Error).message).toBe(
      "drain of node n1 timed out after 300 ms; pods still there: default/db-0; " +
        "a PodDisruptionBudget refused evicting default/db-0",
    );
    expect(podRequests("DELETE")).toEqual([]);
  });

  it("sends policy/v1 Evictions with the pod's uid and the grace period when one is given", async () => {
    const uid = seedPod(testPod({ name: "a", node: "n1" })).metadata.uid;
    await operations().drain("n1", options({ gracePeriodSeconds: 7 }));
    expect(evictions).toEqual([
      {
        apiVersion: "policy/v1",
        kind: "Eviction",
        metadata: { name: "a", namespace: "default" },
        deleteOptions: { gracePeriodSeconds: 7, preconditions: { uid } },
      },
    ]);
    evictions = [];
    seedPod(testPod({ name: "b", node: "n1" }));
    await operations().drain("n1", options({ gracePeriodSeconds: -1 }));
    expect(evictions[0]?.deleteOptions?.gracePeriodSeconds).toBeUndefined();
  });

  it("keeps at most `concurrency` evictions in flight", async () => {
    for (let i = 0; i < 12; i++) seedPod(testPod({ name: `p-${i}`, node: "n1" }));
    evictionDelayMs = 20;
    const result = await operations(3).drain("n1", options());
    expect(result.evicted).toHaveLength(12);
    expect(maxInFlight).toBe(3);
  });

  it("counts a pod replaced under the same name (another uid) as gone", async () => {
    seedPod(testPod({ name: "sts-0", node: "n1", owner: "StatefulSet" }));
    // The StatefulSet controller recreates the pod at once, on the same Node as it happens.
    afterEviction = (name) => seedPod(testPod({ name, node: "n1", owner: "StatefulSet" }));
    const result = await operations().drain("n1", options({ timeoutMs: 2000 }));
    expect(result.evicted).toEqual(["default/sts-0"]);
    expect(kube.store.list("pods").items.map((p) => p.metadata.name)).toEqual(["sts-0"]);
  });

  it("retries the labels/taints write on a conflict and keeps the concurrent change", async () => {
    let raced = false;
    afterRead = () => {
      if (raced) return;
      raced = true;
      const node = kube.store.get("nodes", undefined, "n1");
      const taints = [{ key: "someone", effect: "NoSchedule" }];
      kube.store.update("nodes", undefined, "n1", { ...node, spec: { ...(node.spec as object), taints } });
    };
    const added = await operations().ensureLabelsAndTaints("n1", { pool: "a" }, [
      { key: "ours", value: "1", effect: "NoExecute" },
    ]);
    expect(added).toEqual({ labels: ["pool"], taints: ["ours:NoExecute"] });
    const node = kube.store.get("nodes", undefined, "n1");
    expect(node.metadata.labels).toEqual({ pool: "a" });
    expect((node.spec as { taints: unknown[] }).taints).toEqual([
      { key: "someone", effect: "NoSchedule" },
      { key: "ours", value: "1", effect: "NoExecute" },
    ]);
    const patches = kube.requests.filter((r) => r.method === "PATCH" && r.path === "/api/v1/nodes/n1");
    expect(patches.map((r) => r.status)).toEqual([409, 200]);
  });

  it("cordons with its mark in one guarded PATCH; an operator's cordon in between makes it foreign, unmarked", async () => {
    afterRead = () => {
      afterRead = () => {};
      const node = kube.store.get("nodes", undefined, "n1");
      kube.store.update("nodes", undefined, "n1", {
        ...node,
        spec: { ...(node.spec as object), unschedulable: true },
      });
    };
    expect(await operations().cordonWithMark("n1", "maintenance")).toBe("foreign");
    const node = kube.store.get("nodes", undefined, "n1");
    expect(node.metadata.annotations ?? {}).toEqual({});
    const patches = kube.requests.filter((r) => r.method === "PATCH" && r.path === "/api/v1/nodes/n1");
    expect(patches.map((r) => r.status)).toEqual([409]);
  });

  it("uncordons a marked Node and drops the mark in one PATCH, other annotations kept", async () => {
    const node = kube.store.get("nodes", undefined, "n1");
    kube.store.update("nodes", undefined, "n1", {
      ...node,
      metadata: { ...node.metadata, annotations: { "ksp.io/cordoned-for": "maintenance", keep: "me" } },
      spec: { ...(node.spec as object), unschedulable: true },
    });
    expect(await operations().uncordonMarked("n1", "maintenance")).toBe(true);
    const after = kube.store.get("nodes", undefined, "n1");
    expect(after.metadata.annotations).toEqual({ keep: "me" });
    expect((after.spec as { unschedulable?: boolean }).unschedulable).toBe(false);
    const patches = kube.requests.filter((r) => r.method === "PATCH" && r.path === "/api/v1/nodes/n1");
    expect(patches.map((r) => r.status)).toEqual([200]);
  });

  it("cordons with one PATCH and no read", async () => {
    await operations().cordon("n1");
    const calls = kube.requests.filter((r) => r.path === "/api/v1/nodes/n1");
    expect(calls.map((r) => `${r.method} ${r.status}`)).toEqual(["PATCH 200"]);
    expect((kube.store.get("nodes", undefined, "n1").spec as { unschedulable?: boolean }).unschedulable).toBe(
      true,
    );
  });
});
