/**
 * The ResourceReads half of FakeKube (fake-kube.ts), over the same Nodes and
 * Pods, following the real adapter's rules (the contract in
 * test/support/agent/resource-reads-contract.ts runs both): requests of the
 * pods bound to a Node and not finished, summed with the real podRequests;
 * usage only for Nodes that exist and have one set (as metrics-server only
 * reports the Nodes it scraped), or null while the metrics API is off.
 */
import { holdsNodeResources, podRequests } from "../../../agent/kubernetes/pod-requests.ts";
import type { ResourceAmounts, ResourceReads } from "../../../agent/kubernetes/types.ts";
import type { FakeNodeStore, Gate } from "./fake-kube-nodes.ts";

export class FakeResourceReads implements ResourceReads {
  /** false: as if the cluster had no metrics-server (nodeUsage answers null) */
  metricsAvailable = true;
  readonly #usage = new Map<string, ResourceAmounts>();

  constructor(
    private readonly store: FakeNodeStore,
    private readonly gate: Gate,
  ) {}

  setUsage(node: string, usage: ResourceAmounts): void {
    this.#usage.set(node, { ...usage });
  }

  async podRequestsByNode(): Promise<Map<string, ResourceAmounts>> {
    this.gate("podRequestsByNode", []);
    const byNode = new Map<string, ResourceAmounts>();
    for (const { pod } of this.store.pods.values()) {
      if (!holdsNodeResources(pod)) continue;
      const node = pod.spec!.nodeName!;
      const own = podRequests(pod);
      const sum = byNode.get(node) ?? { cpuMillis: 0, memoryBytes: 0 };
      byNode.set(node, {
        cpuMillis: sum.cpuMillis + own.cpuMillis,
        memoryBytes: sum.memoryBytes + own.memoryBytes,
      });
    }
    return byNode;
  }

  async nodeUsage(): Promise<Map<string, ResourceAmounts> | null> {
    this.gate("nodeUsage", []);
    if (!this.metricsAvailable) return null;
    const byNode = new Map<string, ResourceAmounts>();
    for (const [node, usage] of this.#usage) if (this.store.nodes.has(node)) byNode.set(node, { ...usage });
    return byNode;
  }
}
