import { CoreV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import { afterEach, describe, expect, it } from "vitest";
import { apiError } from "../../../support/harness/kube-api.ts";
import { type KubeApiServer, startKubeApiServer } from "../../../support/kube-api/index.ts";

const NODE_METRICS = { group: "metrics.k8s.io", version: "v1beta1", plural: "nodes" };

describe("kube-api stand-in: metrics.k8s.io NodeMetrics", () => {
  let kube: KubeApiServer;
  afterEach(() => kube?.close());

  const start = async (metrics?: "absent" | "serving" | "unavailable") => {
    kube = await startKubeApiServer(metrics ? { metrics } : {});
    const kc = kube.kubeConfig();
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNode({ body: { metadata: { name: "a", labels: { pool: "gpu" } } } });
    await core.createNode({ body: { metadata: { name: "b", labels: { pool: "cpu" } } } });
    await core.createNode({ body: { metadata: { name: "c" } } });
    return { custom: kc.makeApiClient(CustomObjectsApi), core };
  };
  const groups = async () =>
    ((await (await fetch(`${kube.url}/apis`)).json()) as { groups: { name: string }[] }).groups.map(
      (g) => g.name,
    );

  it("is absent by default, as without metrics-server: not discovered, its paths 404", async () => {
    const { custom } = await start();
    expect(await groups()).not.toContain("metrics.k8s.io");
    const status = await apiError(custom.listClusterCustomObject(NODE_METRICS), 404);
    expect(status).toMatchObject({
      reason: "NotFound",
      message: "the server could not find the requested resource",
    });
  });

  it("serves the scraped Nodes' usage, read-only, with the Node's labels and selectors", async () => {
    const { custom, core } = await start("serving");
    kube.metrics.setUsage("a", { cpu: "123456789n", memory: "1048576Ki" });
    kube.metrics.setUsage("b", { cpu: "250m", memory: "512Mi" });
    kube.metrics.setUsage("gone", { cpu: "1", memory: "1Gi" });
    expect(await groups()).toContain("metrics.k8s.io");
    const resources = (await (await fetch(`${kube.url}/apis/metrics.k8s.io/v1beta1`)).json()) as {
      resources: { name: string; verbs: string[] }[];
    };
    expect(resources.resources).toEqual([expect.objectContaining({ name: "nodes", verbs: ["get", "list"] })]);

    const list = (await custom.listClusterCustomObject(NODE_METRICS)) as {
      kind: string;
      items: {
        metadata: { name: string; labels?: Record<string, string> };
        usage: unknown;
        window: string;
      }[];
    };
    expect(list.kind).toBe("NodeMetricsList");
    // "c" was never scraped and "gone" is no Node: neither is listed
    expect(list.items.map((i) => [i.metadata.name, i.usage])).toEqual([
      ["a", { cpu: "123456789n", memory: "1048576Ki" }],
      ["b", { cpu: "250m", memory: "512Mi" }],
    ]);
    expect(list.items[0]!.metadata.labels).toEqual({ pool: "gpu" });
    const selected = (await custom.listClusterCustomObject({
      ...NODE_METRICS,
      labelSelector: "pool=cpu",
    })) as {
      items: { metadata: { name: string } }[];
    };
    expect(selected.items.map((i) => i.metadata.name)).toEqual(["b"]);
    const one = (await custom.getClusterCustomObject({ ...NODE_METRICS, name: "b" })) as { kind: string };
    expect(one.kind).toBe("NodeMetrics");
    await apiError(custom.getClusterCustomObject({ ...NODE_METRICS, name: "c" }), 404);
    await apiError(
      custom.createClusterCustomObject({ ...NODE_METRICS, body: { metadata: { name: "x" } } }),
      405,
    );

    await core.deleteNode({ name: "a" });
    const after = (await custom.listClusterCustomObject(NODE_METRICS)) as { items: unknown[] };
    expect(after.items).toHaveLength(1);
  });

  it("answers 503 while metrics-server is registered but down, and is still discovered", async () => {
    const { custom } = await start("unavailable");
    expect(await groups()).toContain("metrics.k8s.io");
    const status = await apiError(custom.listClusterCustomObject(NODE_METRICS), 503);
    expect(status.reason).toBe("ServiceUnavailable");
    kube.metrics.availability = "serving";
    await expect(custom.listClusterCustomObject(NODE_METRICS)).resolves.toMatchObject({ items: [] });
  });
});
