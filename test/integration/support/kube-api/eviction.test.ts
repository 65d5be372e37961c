import { CoreV1Api, PolicyV1Api, type V1PodDisruptionBudgetSpec } from "@kubernetes/client-node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { apiError, readyPod } from "../../../support/harness/kube-api.ts";
import { type KubeApiServer, startKubeApiServer } from "../../../support/kube-api/index.ts";

describe("kube-api stand-in: pods/eviction with PodDisruptionBudgets", () => {
  let kube: KubeApiServer;
  let core: CoreV1Api;
  let policy: PolicyV1Api;

  beforeEach(async () => {
    kube = await startKubeApiServer();
    core = kube.kubeConfig().makeApiClient(CoreV1Api);
    policy = kube.kubeConfig().makeApiClient(PolicyV1Api);
  });
  afterEach(() => kube.close());

  const seedPods = (count: number, labels = { app: "web" }) => {
    for (let i = 0; i < count; i++)
      kube.store.create("pods", "default", readyPod(`web-${i}`, labels), { keepStatus: true });
  };
  const pdb = (spec: Omit<V1PodDisruptionBudgetSpec, "selector">) =>
    policy.createNamespacedPodDisruptionBudget({
      namespace: "default",
      body: { metadata: { name: "web-pdb" }, spec: { ...spec, selector: { matchLabels: { app: "web" } } } },
    });
  const evict = (name: string) =>
    core.createNamespacedPodEviction({
      name,
      namespace: "default",
      body: { apiVersion: "policy/v1", kind: "Eviction", metadata: { name, namespace: "default" } },
    });
  /** Evicts web-0, web-1, ... until refused; returns how many were allowed. */
  const evictUntilRefused = async (max: number) => {
    for (let i = 0; i < max; i++) {
      try {
        await evict(`web-${i}`);
      } catch (err) {
        const status = JSON.parse((err as { body: string }).body);
        expect(status).toMatchObject({ code: 429, reason: "TooManyRequests" });
        return i;
      }
    }
    return max;
  };

  it("evicts a pod no PDB covers: 201 Success Status and the pod is gone", async () => {
    seedPods(1);
    const res = await fetch(`${kube.url}/api/v1/namespaces/default/pods/web-0/eviction`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ apiVersion: "policy/v1", kind: "Eviction", metadata: { name: "web-0" } }),
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Success",
      code: 201,
    });
    await apiError(core.readNamespacedPod({ name: "web-0", namespace: "default" }), 404);
  });

  it("refuses with the real 429 Status when minAvailable would be violated", async () => {
    seedPods(2);
    await pdb({ minAvailable: 2 });
    const refused = await apiError(evict("web-0"), 429);
    expect(refused).toEqual({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: "Cannot evict pod as it would violate the pod's disruption budget.",
      reason: "TooManyRequests",
      details: {
        causes: [
          {
            reason: "DisruptionBudget",
            message: "The disruption budget web-pdb needs 2 healthy pods and has 2 currently",
          },
        ],
      },
      code: 429,
    });
    expect((await core.readNamespacedPod({ name: "web-0", namespace: "default" })).metadata?.name).toBe(
      "web-0",
    );
  });

  it.each([
    ["minAvailable int", { minAvailable: 2 }, 4, 2],
    ["minAvailable percent (rounds up)", { minAvailable: "50%" }, 3, 1],
    ["maxUnavailable int", { maxUnavailable: 1 }, 4, 1],
    ["maxUnavailable percent (rounds up)", { maxUnavailable: "30%" }, 4, 2],
    ["maxUnavailable 0 blocks all", { maxUnavailable: 0 }, 3, 0],
  ] as const)("%s: allows exactly the budgeted evictions", async (_label, spec, pods, allowed) => {
    seedPods(pods);
    await pdb(spec as Omit<V1PodDisruptionBudgetSpec, "selector">);
    expect(await evictUntilRefused(pods)).toBe(allowed);
    expect(kube.store.list("pods").items).toHaveLength(pods - allowed);
  });

  it("records the spent disruption on the PDB status", async () => {
    seedPods(3);
    await pdb({ minAvailable: 1 });
    await evict("web-0");
    const status = (await policy.readNamespacedPodDisruptionBudget({ name: "web-pdb", namespace: "default" }))
      .status;
    expect(status).toMatchObject({
      currentHealthy: 3,
      desiredHealthy: 1,
      expectedPods: 3,
      disruptionsAllowed: 1,
    });
  });

  it("counts only Running+Ready pods as healthy, and lets unhealthy pods go while the budget holds", async () => {
    seedPods(2);
    kube.store.create("pods", "default", readyPod("not-ready", { app: "web" }, "Running", false), {
      keepStatus: true,
    });
    kube.store.create("pods", "default", readyPod("pending", { app: "web" }, "Pending", false), {
      keepStatus: true,
    });
    await pdb({ minAvailable: 2 });
    await apiError(evict("web-0"), 429);
    await evict("not-ready");
    await evict("pending");
    expect(kube.store.list("pods").items.map((p) => p.metadata.name)).toEqual(["web-0", "web-1"]);
  });

  it("404s for a missing pod and 400s for a mismatched name or malformed body", async () => {
    const missing = await apiError(evict("ghost"), 404);
    expect(missing.message).toBe('pods "ghost" not found');
    seedPods(1);
    const mismatch = await apiError(
      core.createNamespacedPodEviction({
        name: "web-0",
        namespace: "default",
        body: { metadata: { name: "other" } },
      }),
      400,
    );
    expect(mismatch.reason).toBe("BadRequest");
    const malformed = await fetch(`${kube.url}/api/v1/namespaces/default/pods/web-0/eviction`, {
      method: "POST",
      body: "{",
    });
    expect(malformed.status).toBe(400);
  });

  it("refuses with 500 when two PDBs select the pod, as the real server does", async () => {
    seedPods(2);
    await pdb({ minAvailable: 0 });
    await policy.createNamespacedPodDisruptionBudget({
      namespace: "default",
      body: { metadata: { name: "second" }, spec: { maxUnavailable: 1, selector: {} } },
    });
    const err = await apiError(evict("web-0"), 500);
    expect(err.message).toContain("more than one PodDisruptionBudget");
  });
});
