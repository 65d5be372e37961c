/**
 * Cluster Autoscaler's call patterns against an externalgrpc CloudProvider,
 * reduced to what a provider can observe on the wire:
 *
 * - `runOnce`: the 10-second loop — Refresh, NodeGroups, NodeGroupForNode for
 *   every node one after another (CA holds one lock), then TargetSize and
 *   NodeGroupNodes for every group.
 * - `scaleUp`: IncreaseSize, then TargetSize must include the delta at once.
 *   A failed IncreaseSize backs the group off exponentially (CA: 5 min
 *   initial, 30 min max); while backed off CA does not call again.
 * - `deleteUnregistered`: the fake-node path CA uses for instances that never
 *   became Nodes — NodeGroupForNode + NodeGroupDeleteNodes with a node whose
 *   name and providerID are the instance id, no labels, and the
 *   fake-node-reason annotation.
 * - `decreaseTargetSize`, `templateNode` (both CA proto layouts), options,
 *   pricing, GPU label/types, cleanup.
 *
 * Unimplemented is accepted only where CA accepts it (UNIMPLEMENTED_TOLERATED);
 * anything else that fails rejects with `CaRpcError`.
 */
import { status } from "@grpc/grpc-js";
import type { CaRpc } from "../reference-protos.ts";
import { type CaClient, CaRpcError, UNIMPLEMENTED_TOLERATED } from "./client.ts";
import { fromGroupOptions, type GroupOptions, toGroupOptions } from "./options.ts";
import { decodeNodeBytes, type TemplateNode, templateNodeFromObject } from "./template-node.ts";

export const FAKE_NODE_REASON_ANNOTATION = "k8s.io/cluster-autoscaler/fake-node-reason";
export const INITIAL_BACKOFF_MS = 5 * 60_000;
export const MAX_BACKOFF_MS = 30 * 60_000;

export interface EmulatedNode {
  name: string;
  providerID: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface NodeGroup {
  id: string;
  minSize: number;
  maxSize: number;
  debug: string;
}

export interface Instance {
  id: string;
  state: string;
  errorInfo: { errorCode: string; errorMessage: string; instanceErrorClass: number } | null;
}

export interface LoopResult {
  groups: NodeGroup[];
  /** node name → group id ("" for a node CA must leave alone) */
  groupOfNode: Map<string, string>;
  targetSizes: Map<string, number>;
  instances: Map<string, Instance[]>;
}

export type ScaleUpOutcome =
  | { outcome: "scaled"; before: number; after: number }
  | { outcome: "failed"; error: CaRpcError; backoffMs: number }
  | { outcome: "backed-off"; untilMs: number };

export interface CaEmulatorOptions {
  /** injectable clock for the backoff (ms since epoch) */
  now?: () => number;
}

/** A node CA fabricates for an instance that has no Node object. */
export function fakeNode(instanceId: string, reason = "Unregistered"): EmulatedNode {
  return {
    name: instanceId,
    providerID: instanceId,
    labels: {},
    annotations: { [FAKE_NODE_REASON_ANNOTATION]: reason },
  };
}

const wireNode = (n: EmulatedNode) => ({
  providerID: n.providerID,
  name: n.name,
  labels: n.labels ?? {},
  annotations: n.annotations ?? {},
});

export class CaEmulator {
  private readonly now: () => number;
  private readonly backoff = new Map<string, { untilMs: number; durationMs: number }>();
  /** every RPC attempted, in order: lets tests assert what CA did *not* call */
  readonly calls: CaRpc[] = [];

  constructor(
    readonly client: CaClient,
    options: CaEmulatorOptions = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  // biome-ignore lint/suspicious/noExplicitAny: proto-loader objects shaped by the reference proto.
  private call<T = any>(rpc: CaRpc, request: object): Promise<T> {
    this.calls.push(rpc);
    return this.client.call<T>(rpc, request);
  }

  /** null when the RPC answered Unimplemented and CA tolerates that for it */
  private async optional<T>(rpc: CaRpc, request: object): Promise<T | null> {
    try {
      return await this.call<T>(rpc, request);
    } catch (err) {
      if (
        err instanceof CaRpcError &&
        err.code === status.UNIMPLEMENTED &&
        UNIMPLEMENTED_TOLERATED.has(rpc)
      ) {
        return null;
      }
      throw err;
    }
  }

  async refresh(): Promise<void> {
    await this.call("Refresh", {});
  }

  async nodeGroups(): Promise<NodeGroup[]> {
    return (await this.call("NodeGroups", {})).nodeGroups;
  }

  /** "" when the node is not in any group (CA then ignores it) */
  async nodeGroupForNode(node: EmulatedNode): Promise<string> {
    return (await this.call("NodeGroupForNode", { node: wireNode(node) })).nodeGroup?.id ?? "";
  }

  async targetSize(id: string): Promise<number> {
    return (await this.call("NodeGroupTargetSize", { id })).targetSize;
  }

  async nodes(id: string): Promise<Instance[]> {
    const res = await this.call("NodeGroupNodes", { id });
    return res.instances.map((i: { id: string; status: Instance & { instanceState: string } }) => ({
      id: i.id,
      state: i.status?.instanceState ?? "unspecified",
      errorInfo: i.status?.errorInfo?.errorCode ? i.status.errorInfo : null,
    }));
  }

  async runOnce(clusterNodes: EmulatedNode[]): Promise<LoopResult> {
    await this.refresh();
    const groups = await this.nodeGroups();
    const groupOfNode = new Map<string, string>();
    for (const node of clusterNodes) groupOfNode.set(node.name, await this.nodeGroupForNode(node));
    const targetSizes = new Map<string, number>();
    const instances = new Map<string, Instance[]>();
    for (const group of groups) {
      targetSizes.set(group.id, await this.targetSize(group.id));
      instances.set(group.id, await this.nodes(group.id));
    }
    return { groups, groupOfNode, targetSizes, instances };
  }

  async scaleUp(id: string, delta: number): Promise<ScaleUpOutcome> {
    const backoff = this.backoff.get(id);
    if (backoff && this.now() < backoff.untilMs) return { outcome: "backed-off", untilMs: backoff.untilMs };
    const before = await this.targetSize(id);
    try {
      await this.call("NodeGroupIncreaseSize", { id, delta });
    } catch (err) {
      if (!(err instanceof CaRpcError)) throw err;
      const durationMs = backoff ? Math.min(backoff.durationMs * 2, MAX_BACKOFF_MS) : INITIAL_BACKOFF_MS;
      this.backoff.set(id, { untilMs: this.now() + durationMs, durationMs });
      return { outcome: "failed", error: err, backoffMs: durationMs };
    }
    return { outcome: "scaled", before, after: await this.targetSize(id) };
  }

  isBackedOff(id: string): boolean {
    const backoff = this.backoff.get(id);
    return backoff !== undefined && this.now() < backoff.untilMs;
  }

  async deleteNodes(id: string, nodes: EmulatedNode[]): Promise<void> {
    await this.call("NodeGroupDeleteNodes", { id, nodes: nodes.map(wireNode) });
  }

  /**
   * CA's removal of an instance that never registered: resolve its group
   * through the fake node, respect the group's minimum, delete it.
   * Resolves to the target size after, or null when CA would skip it.
   */
  async deleteUnregistered(
    instanceId: string,
  ): Promise<{ groupId: string; before: number; after: number } | null> {
    const node = fakeNode(instanceId);
    const groupId = await this.nodeGroupForNode(node);
    if (!groupId) return null;
    const group = (await this.nodeGroups()).find((g) => g.id === groupId);
    const before = await this.targetSize(groupId);
    if (!group || before - 1 < group.minSize) return null;
    await this.deleteNodes(groupId, [node]);
    return { groupId, before, after: await this.targetSize(groupId) };
  }

  async decreaseTargetSize(id: string, delta: number): Promise<void> {
    await this.call("NodeGroupDecreaseTargetSize", { id, delta });
  }

  /** null: Unimplemented. Throws when an OK answer carries no node (CA would crash on it later). */
  async templateNode(id: string): Promise<TemplateNode | null> {
    const res = await this.optional<{ nodeBytes?: Buffer; nodeInfo?: object | null }>(
      "NodeGroupTemplateNodeInfo",
      { id },
    );
    if (!res) return null;
    if (this.client.version === "legacy") {
      if (!res.nodeInfo) throw new Error(`NodeGroupTemplateNodeInfo(${id}): OK with no nodeInfo`);
      return templateNodeFromObject(res.nodeInfo);
    }
    if (!res.nodeBytes || res.nodeBytes.length === 0) {
      throw new Error(`NodeGroupTemplateNodeInfo(${id}): OK with empty nodeBytes`);
    }
    return decodeNodeBytes(res.nodeBytes);
  }

  /** CA's view after GetOptions: the answer replaces the defaults (unset durations read as 0); null: Unimplemented */
  async getOptions(id: string, defaults: GroupOptions): Promise<GroupOptions | null> {
    const version = this.client.version;
    const res = await this.optional<{ nodeGroupAutoscalingOptions: Record<string, unknown> | null }>(
      "NodeGroupGetOptions",
      {
        id,
        defaults: fromGroupOptions(defaults, version),
      },
    );
    return res ? toGroupOptions(res.nodeGroupAutoscalingOptions, version) : null;
  }

  /** null: Unimplemented */
  async nodePrice(node: EmulatedNode, start: Date, end: Date): Promise<number | null> {
    const time = (d: Date) => ({ seconds: String(Math.floor(d.getTime() / 1000)), nanos: 0 });
    const window =
      this.client.version === "legacy"
        ? { startTime: time(start), endTime: time(end) }
        : { startTimestamp: time(start), endTimestamp: time(end) };
    const res = await this.optional<{ price: number }>("PricingNodePrice", {
      node: wireNode(node),
      ...window,
    });
    return res ? res.price : null;
  }

  /** null: Unimplemented (a minimal pod: CA sends the full object, providers rarely price pods) */
  async podPrice(start: Date, end: Date): Promise<number | null> {
    const time = (d: Date) => ({ seconds: String(Math.floor(d.getTime() / 1000)), nanos: 0 });
    const request =
      this.client.version === "legacy"
        ? { pod: { metadata: { name: "p" } }, startTime: time(start), endTime: time(end) }
        : { pod_bytes: Buffer.alloc(0), startTimestamp: time(start), endTimestamp: time(end) };
    const res = await this.optional<{ price: number }>("PricingPodPrice", request);
    return res ? res.price : null;
  }

  async gpuLabel(): Promise<string> {
    return (await this.call("GPULabel", {})).label;
  }

  async availableGpuTypes(): Promise<string[]> {
    return Object.keys((await this.call("GetAvailableGPUTypes", {})).gpuTypes ?? {}).sort();
  }

  async cleanup(): Promise<void> {
    await this.call("Cleanup", {});
  }
}
