/**
 * Which of a Node's pods a drain evicts, leaves alone, or refuses to touch,
 * with kubectl drain's rules (k8s.io/kubectl/pkg/drain/filters.go):
 * mirror pods (the kubelet's static pods) cannot be evicted and are left;
 * finished pods hold nothing; DaemonSet pods would be recreated on the same
 * Node at once, so they are left when ignoreDaemonSets and block otherwise;
 * a pod no controller owns would be gone for good, and an emptyDir's data is
 * lost with its pod, so those block unless the options allow it. Every
 * blocking pod is collected, so one error names them all.
 */
import type { V1Pod } from "@kubernetes/client-node";
import type { DrainOptions } from "./types.ts";

export const MIRROR_ANNOTATION = "kubernetes.io/config.mirror";

export const podKey = (pod: V1Pod) => `${pod.metadata?.namespace ?? ""}/${pod.metadata?.name ?? ""}`;

export interface BlockedPod {
  pod: string;
  reasons: string[];
}

export interface DrainPlan {
  evict: V1Pod[];
  /** "namespace/name" of the pods left in place */
  skipped: string[];
  blocked: BlockedPod[];
}

type PlanOptions = Pick<DrainOptions, "ignoreDaemonSets" | "deleteEmptyDirData" | "force">;

export function planDrain(pods: readonly V1Pod[], options: PlanOptions): DrainPlan {
  const plan: DrainPlan = { evict: [], skipped: [], blocked: [] };
  for (const pod of pods) {
    const key = podKey(pod);
    const phase = pod.status?.phase;
    const controller = pod.metadata?.ownerReferences?.find((ref) => ref.controller === true);
    if (pod.metadata?.annotations?.[MIRROR_ANNOTATION] !== undefined) {
      plan.skipped.push(key);
      continue;
    }
    if (phase === "Succeeded" || phase === "Failed") {
      plan.skipped.push(key);
      continue;
    }
    if (controller?.kind === "DaemonSet") {
      if (options.ignoreDaemonSets) plan.skipped.push(key);
      else plan.blocked.push({ pod: key, reasons: ["DaemonSet-managed (set ignoreDaemonSets)"] });
      continue;
    }
    const reasons: string[] = [];
    if (!controller && !options.force) reasons.push("no controller (set force)");
    if (!options.deleteEmptyDirData && (pod.spec?.volumes ?? []).some((v) => v.emptyDir !== undefined)) {
      reasons.push("emptyDir data (set deleteEmptyDirData)");
    }
    if (reasons.length > 0) plan.blocked.push({ pod: key, reasons });
    else plan.evict.push(pod);
  }
  return plan;
}

export function blockedMessage(node: string, blocked: readonly BlockedPod[]): string {
  const shown = blocked.slice(0, 20).map((b) => `${b.pod} (${b.reasons.join(", ")})`);
  const more = blocked.length > shown.length ? `, and ${blocked.length - shown.length} more` : "";
  return `cannot drain node ${node}: ${shown.join(", ")}${more}`;
}
