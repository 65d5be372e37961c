/**
 * Nodes as the agent sees them (NodeInfo) and the index the informer keeps:
 * by name and by spec.providerID, the key Cluster Autoscaler's instance ids
 * map to. Objects may come from a typed list (Dates) or a raw watch event
 * (strings), so only presence is read from timestamps. Capacity and
 * allocatable are quantity strings either way.
 */
import type { V1Node } from "@kubernetes/client-node";
import { CORDONED_FOR_ANNOTATION } from "./cordon-mark.ts";
import { cpuAndMemory } from "./quantity.ts";
import type { NodeInfo, NodeTaint, TaintEffect } from "./types.ts";

export function toNodeInfo(node: V1Node): NodeInfo {
  const ready = node.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
  const taints: NodeTaint[] = (node.spec?.taints ?? []).map((t) => ({
    key: t.key,
    ...(t.value !== undefined && t.value !== "" ? { value: t.value } : {}),
    effect: t.effect as TaintEffect,
  }));
  return Object.freeze({
    name: node.metadata?.name ?? "",
    uid: node.metadata?.uid ?? "",
    providerId: node.spec?.providerID || null,
    ready,
    labels: Object.freeze({ ...(node.metadata?.labels ?? {}) }),
    taints: Object.freeze(taints),
    unschedulable: node.spec?.unschedulable === true,
    cordonedFor: node.metadata?.annotations?.[CORDONED_FOR_ANNOTATION] ?? null,
    deleting: Boolean(node.metadata?.deletionTimestamp),
    capacity: cpuAndMemory(node.status?.capacity),
    allocatable: cpuAndMemory(node.status?.allocatable),
  });
}

/**
 * Two lookups kept in step. A providerID can move between Node objects (a
 * machine rejoined under a new name, or a Node deleted and recreated), so
 * the provider entry follows the latest writer and falls back to any other
 * Node still claiming it when that one goes.
 */
export class NodeIndex {
  readonly #byName = new Map<string, NodeInfo>();
  readonly #byProvider = new Map<string, NodeInfo>();

  get(name: string): NodeInfo | undefined {
    return this.#byName.get(name);
  }

  byProviderId(providerId: string): NodeInfo | undefined {
    return this.#byProvider.get(providerId);
  }

  list(): NodeInfo[] {
    return [...this.#byName.values()];
  }

  upsert(info: NodeInfo): void {
    this.#unlinkProvider(info.name);
    this.#byName.set(info.name, info);
    if (info.providerId !== null) this.#byProvider.set(info.providerId, info);
  }

  remove(name: string): void {
    this.#unlinkProvider(name);
    this.#byName.delete(name);
  }

  replaceAll(infos: readonly NodeInfo[]): void {
    this.#byName.clear();
    this.#byProvider.clear();
    for (const info of infos) this.upsert(info);
  }

  #unlinkProvider(name: string): void {
    const previous = this.#byName.get(name);
    if (previous?.providerId == null) return;
    const providerId = previous.providerId;
    if (this.#byProvider.get(providerId)?.name !== name) return;
    this.#byProvider.delete(providerId);
    for (const other of this.#byName.values()) {
      if (other.name !== name && other.providerId === providerId) this.#byProvider.set(providerId, other);
    }
  }
}
