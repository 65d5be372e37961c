/**
 * ResourceReads: the same behaviours (test/support/agent/resource-reads-contract.ts)
 * for the real adapter on the Kubernetes API stand-in and for FakeKube's,
 * plus what only the real one does: paged pod lists with the server-side
 * selector, and other API failures as KubeErrors.
 */
import type { CoreV1Api } from "@kubernetes/client-node";
import { afterEach, describe, expect, it } from "vitest";
import { KubeError } from "../../../../agent/kubernetes/kube-error.ts";
import { cpuAndMemory } from "../../../../agent/kubernetes/quantity.ts";
import { createResourceReads, resourceReadsOver } from "../../../../agent/kubernetes/resource-reads.ts";
import { FakeKube } from "../../../support/agent/fake-kube.ts";
import {
  defineResourceReadsContract,
  type ResourceReadsHarness,
  resourcePod,
} from "../../../support/agent/resource-reads-contract.ts";
import { type KubeApiServer, type KubeObject, startKubeApiServer } from "../../../support/kube-api/index.ts";

async function realHarness(): Promise<ResourceReadsHarness & { kube: KubeApiServer }> {
  const kube = await startKubeApiServer();
  return {
    kube,
    reads: createResourceReads(kube.kubeConfig()),
    async addNode(name) {
      kube.store.create("nodes", undefined, { metadata: { name } });
    },
    async removeNode(name) {
      kube.store.delete("nodes", undefined, name);
    },
    async addPod(pod) {
      kube.store.create("pods", pod.metadata?.namespace, pod as KubeObject, { keepStatus: true });
    },
    setUsage: (node, usage) => kube.metrics.setUsage(node, usage),
    setMetrics(state) {
      kube.metrics.availability = state;
    },
    close: () => kube.close(),
  };
}

describe("ResourceReads on the API stand-in", () => {
  defineResourceReadsContract(realHarness);
});

describe("FakeKube's ResourceReads", () => {
  defineResourceReadsContract(async () => {
    const fake = new FakeKube();
    return {
      reads: fake.resourceReads,
      addNode: async (name) => void fake.addNode(name),
      removeNode: async (name) => fake.removeNode(name),
      addPod: async (pod) => void fake.addPod(pod),
      setUsage: (node, usage) => fake.resourceReads.setUsage(node, cpuAndMemory(usage)),
      setMetrics(state) {
        fake.resourceReads.metricsAvailable = state === "serving";
      },
      close: async () => {},
    };
  });
});

describe("ResourceReads on the API stand-in, beyond the contract", () => {
  let h: Awaited<ReturnType<typeof realHarness>> | undefined;
  afterEach(() => h?.close());

  it("lists pods in pages with the selector, so the server filters, and sums across pages", async () => {
    h = await realHarness();
    await h.addNode("n1");
    for (let i = 0; i < 501; i++) {
      await h.addPod(
        resourcePod(`p${String(i).padStart(3, "0")}`, { node: "n1", requests: [{ cpu: "1m" }] }),
      );
    }
    await h.addPod(resourcePod("done", { node: "n1", phase: "Succeeded", requests: [{ cpu: "4" }] }));
    expect((await h.reads.podRequestsByNode()).get("n1")).toEqual({ cpuMillis: 501, memoryBytes: 0 });
    const lists = h.kube.requests.filter((r) => r.path.startsWith("/api/v1/pods"));
    expect(lists).toHaveLength(2);
    const query = new URL(lists[0]!.path, h.kube.url).searchParams;
    expect(query.get("fieldSelector")).toBe("spec.nodeName!=,status.phase!=Succeeded,status.phase!=Failed");
    expect(query.get("limit")).toBe("500");
  });

  it("rejects with a KubeError when the API refuses (e.g. RBAC), for pods and for metrics", async () => {
    h = await realHarness();
    h.kube.setAcceptedTokens(["someone-else"]);
    const pods = await h.reads.podRequestsByNode().catch((e: unknown) => e);
    expect(pods).toBeInstanceOf(KubeError);
    expect(pods).toMatchObject({ status: 401, message: expect.stringContaining("cannot list pods") });
    h.kube.metrics.availability = "serving";
    await expect(h.reads.nodeUsage()).rejects.toMatchObject({ status: 401 });
  });

  it("takes the API clients it is given", async () => {
    const reads = resourceReadsOver({
      core: {
        listPodForAllNamespaces: async () => ({
          items: [resourcePod("p", { node: "n", requests: [{ cpu: "2", memory: "1Gi" }] })],
          metadata: {},
        }),
      } as unknown as Pick<CoreV1Api, "listPodForAllNamespaces">,
      customObjects: {
        listClusterCustomObject: async () => ({ items: [{ metadata: { name: "n" }, usage: { cpu: "1" } }] }),
      },
    });
    expect((await reads.podRequestsByNode()).get("n")).toEqual({ cpuMillis: 2000, memoryBytes: 2 ** 30 });
    expect((await reads.nodeUsage())?.get("n")).toEqual({ cpuMillis: 1000, memoryBytes: 0 });
  });
});
