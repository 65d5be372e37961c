import { CoreV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiError, readyPod } from "../../../support/harness/kube-api.ts";
import { type KubeApiServer, startKubeApiServer } from "../../../support/kube-api/index.ts";

describe("kube-api stand-in: label and field selectors on list", () => {
  let kube: KubeApiServer;
  let core: CoreV1Api;
  const nodeNames = async (q: { labelSelector?: string; fieldSelector?: string }) =>
    (await core.listNode(q)).items.map((n) => n.metadata?.name).sort();

  beforeAll(async () => {
    kube = await startKubeApiServer();
    core = kube.kubeConfig().makeApiClient(CoreV1Api);
    await core.createNode({ body: { metadata: { name: "a", labels: { pool: "gpu", tier: "1" } } } });
    await core.createNode({ body: { metadata: { name: "b", labels: { pool: "cpu", tier: "2" } } } });
    await core.createNode({
      body: { metadata: { name: "c", labels: { pool: "cpu" } }, spec: { unschedulable: true } },
    });
    await core.createNode({ body: { metadata: { name: "d" } } });
    kube.store.create("pods", "default", readyPod("p-run", { app: "web" }), { keepStatus: true });
    kube.store.create("pods", "default", readyPod("p-done", { app: "web" }, "Succeeded"), {
      keepStatus: true,
    });
    kube.store.create(
      "pods",
      "kube-system",
      { ...readyPod("p-sys", {}), metadata: { name: "p-sys" } },
      { keepStatus: true },
    );
    const other = readyPod("p-other", { app: "web" });
    other.spec.nodeName = "node-b";
    kube.store.create("pods", "default", other, { keepStatus: true });
  });
  afterAll(() => kube.close());

  it.each([
    ["pool=cpu", ["b", "c"]],
    ["pool==gpu", ["a"]],
    ["pool!=cpu", ["a", "d"]],
    ["pool in (gpu, cpu)", ["a", "b", "c"]],
    ["pool notin (gpu)", ["b", "c", "d"]],
    ["tier", ["a", "b"]],
    ["!tier", ["c", "d"]],
    ["pool=cpu,tier", ["b"]],
    ["pool in (cpu),!tier", ["c"]],
    ["tier>1", ["b"]],
    ["", ["a", "b", "c", "d"]],
  ])("labelSelector %j", async (selector, expected) => {
    expect(await nodeNames({ labelSelector: selector })).toEqual(expected);
  });

  it("selects nodes by metadata.name and spec.unschedulable (unset reads as false)", async () => {
    expect(await nodeNames({ fieldSelector: "metadata.name=b" })).toEqual(["b"]);
    expect(await nodeNames({ fieldSelector: "spec.unschedulable=true" })).toEqual(["c"]);
    expect(await nodeNames({ fieldSelector: "spec.unschedulable=false" })).toEqual(["a", "b", "d"]);
    expect(await nodeNames({ fieldSelector: "spec.unschedulable!=true,metadata.name!=a" })).toEqual([
      "b",
      "d",
    ]);
  });

  it("selects pods across namespaces by spec.nodeName, status.phase and metadata.namespace", async () => {
    const pods = async (fieldSelector: string) =>
      (await core.listPodForAllNamespaces({ fieldSelector })).items.map((p) => p.metadata?.name).sort();
    expect(await pods("spec.nodeName=node-a")).toEqual(["p-done", "p-run", "p-sys"]);
    expect(await pods("spec.nodeName=node-a,status.phase!=Succeeded")).toEqual(["p-run", "p-sys"]);
    expect(await pods("metadata.namespace=kube-system")).toEqual(["p-sys"]);
    const inDefault = await core.listNamespacedPod({
      namespace: "default",
      labelSelector: "app=web",
      fieldSelector: "status.phase=Running",
    });
    expect(inDefault.items.map((p) => p.metadata?.name).sort()).toEqual(["p-other", "p-run"]);
  });

  it("rejects unknown field selectors and unparsable label selectors with 400", async () => {
    const field = await apiError(core.listNode({ fieldSelector: "spec.nodeName=a" }), 400);
    expect(field).toMatchObject({
      reason: "BadRequest",
      message: "field label not supported: spec.nodeName",
    });
    const label = await apiError(core.listNode({ labelSelector: "pool in gpu" }), 400);
    expect(label.reason).toBe("BadRequest");
  });
});
