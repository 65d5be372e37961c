/**
 * One behavioural contract for ResourceReads (agent/kubernetes/types.ts),
 * run by test/integration/agent/kubernetes/resource-reads.test.ts against the
 * real adapter on the Kubernetes API stand-in and against FakeKube's, so the
 * snapshot loop's tests on the fake hold for the real thing.
 */
import type { V1Pod } from "@kubernetes/client-node";
import { afterEach, beforeEach, expect, it } from "vitest";
import type { ResourceReads } from "../../../agent/kubernetes/types.ts";

export type MetricsState = "absent" | "serving" | "unavailable";

export interface ResourceReadsHarness {
  reads: ResourceReads;
  addNode(name: string): Promise<void>;
  removeNode(name: string): Promise<void>;
  addPod(pod: V1Pod): Promise<void>;
  /** what metrics-server scraped, as it writes it (e.g. "123456789n", "1024Ki") */
  setUsage(node: string, usage: { cpu: string; memory: string }): void;
  setMetrics(state: MetricsState): void;
  close(): Promise<void>;
}

export function resourcePod(
  name: string,
  options: {
    node?: string;
    namespace?: string;
    phase?: string;
    requests?: { cpu?: string; memory?: string }[];
    initRequests?: { cpu?: string; memory?: string }[];
  },
): V1Pod {
  const containers = (prefix: string, list: { cpu?: string; memory?: string }[] = []) =>
    list.map((requests, i) => ({ name: `${prefix}${i}`, image: "busybox", resources: { requests } }));
  return {
    metadata: { name, namespace: options.namespace ?? "default" },
    spec: {
      ...(options.node ? { nodeName: options.node } : {}),
      containers: containers("c", options.requests),
      ...(options.initRequests ? { initContainers: containers("init", options.initRequests) } : {}),
    },
    status: { phase: options.phase ?? "Running" },
  };
}

export function defineResourceReadsContract(open: () => Promise<ResourceReadsHarness>): void {
  let h: ResourceReadsHarness;
  beforeEach(async () => {
    h = await open();
  });
  afterEach(async () => {
    await h.close();
  });

  it("sums the requests of each Node's bound, unfinished pods across namespaces", async () => {
    await h.addNode("n1");
    await h.addNode("n2");
    await h.addPod(
      resourcePod("web", { node: "n1", requests: [{ cpu: "100m", memory: "128Mi" }, { cpu: "0.5" }] }),
    );
    await h.addPod(
      resourcePod("dns", {
        node: "n1",
        namespace: "kube-system",
        phase: "Pending",
        requests: [{ memory: "70Mi" }],
      }),
    );
    await h.addPod(resourcePod("done", { node: "n1", phase: "Succeeded", requests: [{ cpu: "4" }] }));
    await h.addPod(resourcePod("crashed", { node: "n2", phase: "Failed", requests: [{ cpu: "4" }] }));
    await h.addPod(resourcePod("unscheduled", { phase: "Pending", requests: [{ cpu: "4" }] }));
    await h.addPod(
      resourcePod("job", {
        node: "n2",
        requests: [{ cpu: "200m" }],
        initRequests: [{ cpu: "1", memory: "1Gi" }],
      }),
    );
    const byNode = await h.reads.podRequestsByNode();
    expect(Object.fromEntries(byNode)).toEqual({
      n1: { cpuMillis: 600, memoryBytes: 198 * 2 ** 20 },
      n2: { cpuMillis: 1000, memoryBytes: 2 ** 30 },
    });
  });

  it("answers an empty map for a cluster without pods", async () => {
    await h.addNode("n1");
    expect((await h.reads.podRequestsByNode()).size).toBe(0);
  });

  it("reads metrics-server's usage of the Nodes it scraped", async () => {
    await h.addNode("n1");
    await h.addNode("n2");
    await h.addNode("n3");
    h.setMetrics("serving");
    h.setUsage("n1", { cpu: "123456789n", memory: "1048576Ki" });
    h.setUsage("n2", { cpu: "250m", memory: "512Mi" });
    const usage = await h.reads.nodeUsage();
    expect(usage && Object.fromEntries(usage)).toEqual({
      n1: { cpuMillis: 124, memoryBytes: 2 ** 30 },
      n2: { cpuMillis: 250, memoryBytes: 2 ** 29 },
    });
    await h.removeNode("n1");
    expect([...((await h.reads.nodeUsage()) ?? new Map()).keys()]).toEqual(["n2"]);
  });

  it("answers null, not a failure, without metrics-server or while it is down", async () => {
    await h.addNode("n1");
    h.setUsage("n1", { cpu: "1", memory: "1Gi" });
    h.setMetrics("absent");
    expect(await h.reads.nodeUsage()).toBeNull();
    h.setMetrics("unavailable");
    expect(await h.reads.nodeUsage()).toBeNull();
  });
}
