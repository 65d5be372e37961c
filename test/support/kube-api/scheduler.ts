/**
 * The part of kube-scheduler the replica controller stand-in needs: which
 * Nodes a pod may go to (filter) and which of them is least loaded (score).
 * A node is a candidate only if it is Ready, not cordoned, and every
 * NoSchedule/NoExecute taint on it is tolerated, as the real NodeReady,
 * NodeUnschedulable and TaintToleration plugins decide.
 */
import type { KubeObject } from "./registry.ts";
import type { KubeStore } from "./store.ts";

export interface Taint {
  key: string;
  value?: string;
  effect: string;
}

export interface Toleration {
  key?: string;
  operator?: "Exists" | "Equal";
  value?: string;
  effect?: string;
}

type NodeShape = {
  spec?: { unschedulable?: boolean; taints?: Taint[] };
  status?: { conditions?: { type: string; status: string }[] };
};
type PodShape = { spec?: { nodeName?: string }; status?: { phase?: string } };

/** v1 Toleration.ToleratesTaint: empty key with Exists matches every key, empty effect every effect. */
export function tolerates(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.key && toleration.key !== taint.key) return false;
  if (toleration.operator === "Exists") return true;
  return (toleration.value ?? "") === (taint.value ?? "");
}

export function isSchedulable(node: KubeObject, tolerations: Toleration[] = []): boolean {
  const { spec, status } = node as NodeShape;
  if (spec?.unschedulable) return false;
  const ready = status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
  if (!ready) return false;
  return (spec?.taints ?? [])
    .filter((t) => t.effect === "NoSchedule" || t.effect === "NoExecute")
    .every((taint) => tolerations.some((t) => tolerates(t, taint)));
}

const occupiesNode = (pod: KubeObject) => {
  const phase = (pod as PodShape).status?.phase;
  return !pod.metadata.deletionTimestamp && phase !== "Succeeded" && phase !== "Failed";
};

/** The schedulable node running the fewest live pods (ties: first by name), or undefined. */
export function pickNode(store: KubeStore, tolerations: Toleration[] = []): string | undefined {
  const load = new Map<string, number>();
  for (const pod of store.list("pods").items) {
    const node = (pod as PodShape).spec?.nodeName;
    if (node && occupiesNode(pod)) load.set(node, (load.get(node) ?? 0) + 1);
  }
  let best: { name: string; load: number } | undefined;
  for (const node of store.list("nodes").items) {
    if (!isSchedulable(node, tolerations)) continue;
    const name = node.metadata.name!;
    const n = load.get(name) ?? 0;
    if (!best || n < best.load) best = { name, load: n };
  }
  return best?.name;
}
