/** The figures the health worker keeps from a NodeList page: how many, how many Ready, summed resources. */
import { quantityMillis, quantityValue } from "../../../shared/kube-quantity.ts";
import type { ResourceTotals } from "./types.ts";

interface NodeItem {
  status?: {
    capacity?: Record<string, unknown>;
    allocatable?: Record<string, unknown>;
    conditions?: { type?: unknown; status?: unknown }[];
  };
}

export interface NodeListPage {
  items: NodeItem[];
  continueToken: string | undefined;
}

export interface NodeTally {
  total: number;
  ready: number;
  capacity: ResourceTotals;
  allocatable: ResourceTotals;
}

export const emptyTally = (): NodeTally => ({
  total: 0,
  ready: 0,
  capacity: { cpuMillis: 0, memoryBytes: 0 },
  allocatable: { cpuMillis: 0, memoryBytes: 0 },
});

/** A NodeList body, or null when it is not one (then the server is not the Kubernetes API we expect). */
export function readNodeListPage(body: unknown): NodeListPage | null {
  if (typeof body !== "object" || body === null) return null;
  const { items, metadata } = body as { items?: unknown; metadata?: { continue?: unknown } };
  if (!Array.isArray(items)) return null;
  const token = metadata?.continue;
  return {
    items: items.filter((i): i is NodeItem => typeof i === "object" && i !== null),
    continueToken: typeof token === "string" && token !== "" ? token : undefined,
  };
}

/** A Node counts as ready when its Ready condition is True, as kubectl shows it. */
export function isNodeReady(node: NodeItem): boolean {
  return (node.status?.conditions ?? []).some((c) => c?.type === "Ready" && c?.status === "True");
}

// A quantity the API server accepted but we cannot read counts as nothing rather than failing the check.
function add(into: ResourceTotals, list: Record<string, unknown> | undefined): void {
  const cpu = list?.cpu;
  const memory = list?.memory;
  into.cpuMillis += Math.max(0, (typeof cpu === "string" ? quantityMillis(cpu) : null) ?? 0);
  into.memoryBytes += Math.max(0, (typeof memory === "string" ? quantityValue(memory) : null) ?? 0);
}

export function tallyNodes(tally: NodeTally, items: readonly NodeItem[]): void {
  for (const node of items) {
    tally.total += 1;
    if (isNodeReady(node)) tally.ready += 1;
    add(tally.capacity, node.status?.capacity);
    add(tally.allocatable, node.status?.allocatable);
  }
}
