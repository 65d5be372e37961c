import { CoreV1Api, PolicyV1Api } from "@kubernetes/client-node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { eventually } from "../../../support/harness/kube-api.ts";
import {
  isHealthy,
  type KubeApiServer,
  type KubeObject,
  type ReplicaController,
  startKubeApiServer,
  startReplicaController,
  type Taint,
} from "../../../support/kube-api/index.ts";

type PodView = { spec: { nodeName?: string }; status: { phase: string } };
const nodeOf = (pod: KubeObject) => (pod as unknown as PodView).spec.nodeName;
const byNode = (pods: KubeObject[]) => pods.map(nodeOf).sort();

describe("kube-api stand-in: replica controller", () => {
  let kube: KubeApiServer;
  let core: CoreV1Api;
  let rs: ReplicaController | undefined;

  beforeEach(async () => {
    kube = await startKubeApiServer();
    core = kube.kubeConfig().makeApiClient(CoreV1Api);
  });
  afterEach(async () => {
    rs?.stop();
    rs = undefined;
    await kube.close();
  });

  const addNode = (name: string, opts: { ready?: boolean; unschedulable?: boolean; taints?: Taint[] } = {}) =>
    kube.store.create(
      "nodes",
      undefined,
      {
        metadata: { name },
        spec: {
          ...(opts.unschedulable ? { unschedulable: true } : {}),
          ...(opts.taints ? { taints: opts.taints } : {}),
        },
        status: { conditions: [{ type: "Ready", status: opts.ready === false ? "False" : "True" }] },
      },
      { keepStatus: true },
    );
  const start = (replicas: number, extra: Partial<Parameters<typeof startReplicaController>[1]> = {}) => {
    rs = startReplicaController(kube, {
      namespace: "default",
      name: "web",
      labels: { app: "web" },
      replicas,
      ...extra,
    });
    return rs;
  };
  // The client sends RFC 6902 JSON patches by default (see patch.test.ts).
  const cordon = (name: string) =>
    core.patchNode({ name, body: [{ op: "add", path: "/spec/unschedulable", value: true }] });
  const evict = (name: string) =>
    core.createNamespacedPodEviction({
      name,
      namespace: "default",
      body: { apiVersion: "policy/v1", kind: "Eviction", metadata: { name, namespace: "default" } },
    });

  it("keeps the replicas Running and Ready with a controller ownerReference, spread over the nodes", async () => {
    for (const n of ["node-a", "node-b", "node-c"]) addNode(n);
    const controller = start(3);
    const pods = (await core.listNamespacedPod({ namespace: "default", labelSelector: "app=web" })).items;
    expect(pods).toHaveLength(3);
    for (const pod of pods) {
      expect(pod.metadata?.name).toMatch(/^web-[a-z0-9]{5}$/);
      expect(pod.metadata?.ownerReferences).toEqual([
        {
          apiVersion: "apps/v1",
          kind: "ReplicaSet",
          name: "web",
          uid: controller.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
      expect(pod.status?.phase).toBe("Running");
      expect(pod.status?.conditions).toContainEqual(
        expect.objectContaining({ type: "Ready", status: "True" }),
      );
    }
    expect(pods.map((p) => p.spec?.nodeName).sort()).toEqual(["node-a", "node-b", "node-c"]);
    expect(controller.pods().every(isHealthy)).toBe(true);
  });

  it("replaces an evicted pod within 100 ms, never on a cordoned or NotReady node", async () => {
    addNode("node-a");
    addNode("node-b");
    addNode("node-sick", { ready: false });
    const controller = start(2);
    expect(byNode(controller.pods())).toEqual(["node-a", "node-b"]);
    await cordon("node-a");
    const onA = controller.pods().find((p) => nodeOf(p) === "node-a")!;
    await evict(onA.metadata.name!);
    await eventually(() => expect(byNode(controller.pods())).toEqual(["node-b", "node-b"]), 100);
    const replacement = controller
      .pods()
      .find((p) => p.metadata.name !== onA.metadata.name && nodeOf(p) === "node-b");
    expect(replacement && isHealthy(replacement)).toBe(true);
  });

  it("lets a PDB-guarded drain go pod by pod, since replacements come up healthy elsewhere", async () => {
    for (const n of ["node-a", "node-b", "node-c"]) addNode(n);
    const controller = start(3);
    const policy = kube.kubeConfig().makeApiClient(PolicyV1Api);
    await policy.createNamespacedPodDisruptionBudget({
      namespace: "default",
      body: {
        metadata: { name: "web" },
        spec: { minAvailable: 3, selector: { matchLabels: { app: "web" } } },
      },
    });
    // A controller behind the pods does not make a budget that allows no disruption give way.
    await expect(evict(controller.pods()[0]!.metadata.name!)).rejects.toMatchObject({ code: 429 });
    await policy.patchNamespacedPodDisruptionBudget({
      name: "web",
      namespace: "default",
      body: [{ op: "replace", path: "/spec/minAvailable", value: 2 }],
    });
    await cordon("node-a");
    const onA = controller.pods().filter((p) => nodeOf(p) === "node-a");
    for (const pod of onA) await evict(pod.metadata.name!);
    await eventually(() => {
      expect(controller.pods()).toHaveLength(3);
      expect(controller.pods().every(isHealthy)).toBe(true);
      expect(byNode(controller.pods())).not.toContain("node-a");
    });
  });

  it("leaves a pod Pending without a node while none is schedulable, and binds it when one becomes Ready", async () => {
    addNode("node-cordoned", { unschedulable: true });
    addNode("node-tainted", {
      taints: [{ key: "ksp.dev/initializing", value: "true", effect: "NoSchedule" }],
    });
    const sick = addNode("node-sick", { ready: false });
    const controller = start(1);
    await new Promise((r) => setTimeout(r, 150));
    const [pending] = controller.pods();
    expect(nodeOf(pending!)).toBeUndefined();
    expect((pending as unknown as PodView).status.phase).toBe("Pending");
    expect(isHealthy(pending!)).toBe(false);

    kube.store.update(
      "nodes",
      undefined,
      "node-sick",
      { ...sick, status: { conditions: [{ type: "Ready", status: "True" }] } },
      { subresource: "status" },
    );
    await eventually(() => {
      const [pod] = controller.pods();
      expect(pod?.metadata.name).toBe(pending!.metadata.name);
      expect(nodeOf(pod!)).toBe("node-sick");
      expect(isHealthy(pod!)).toBe(true);
    }, 100);
  });

  it("schedules onto a tainted node only with a matching toleration", async () => {
    addNode("node-tainted", {
      taints: [{ key: "ksp.dev/initializing", value: "true", effect: "NoSchedule" }],
    });
    addNode("node-prefer", { taints: [{ key: "soft", effect: "PreferNoSchedule" }] });
    const controller = start(2, { tolerations: [{ key: "ksp.dev/initializing", operator: "Exists" }] });
    expect(byNode(controller.pods())).toEqual(["node-prefer", "node-tainted"]);
    const intolerant = startReplicaController(kube, {
      namespace: "default",
      name: "api",
      labels: { app: "api" },
      replicas: 2,
    });
    try {
      expect(byNode(intolerant.pods())).toEqual(["node-prefer", "node-prefer"]);
    } finally {
      intolerant.stop();
    }
  });

  it("scales down (unscheduled pods first) and up, and stops reacting after stop()", async () => {
    addNode("node-a");
    const controller = start(2);
    controller.scale(4);
    await eventually(() => expect(controller.pods()).toHaveLength(4), 100);
    await cordon("node-a");
    controller.scale(5);
    await eventually(() => expect(controller.pods()).toHaveLength(5), 100);
    expect(controller.pods().filter((p) => nodeOf(p) === undefined)).toHaveLength(1);
    controller.scale(3);
    await eventually(() => expect(byNode(controller.pods())).toEqual(["node-a", "node-a", "node-a"]), 100);

    controller.stop();
    await core.deleteNamespacedPod({ name: controller.pods()[0]!.metadata.name!, namespace: "default" });
    await new Promise((r) => setTimeout(r, 150));
    expect(controller.pods()).toHaveLength(2);
  });
});
