/**
 * The Node Cluster Autoscaler imagines when it considers scaling a group up
 * from zero: built from the pool's template, or from the pool's smallest
 * machine when the template declares no capacity (the cautious guess: CA
 * never expects more than the weakest machine we might hand it).
 */
import type { AgentMachine } from "../../proto/agent-api.ts";
import type { NodeSubset } from "../../proto/k8s-node.ts";
import { AgentError } from "../errors.ts";
import type { PoolView } from "../state/view.ts";

export const POOL_LABEL = "kube-static-pool.io/pool";
export const GPU_RESOURCE = "nvidia.com/gpu";
/** kubelet's default maxPods */
const DEFAULT_MAX_PODS = 110;
/** the GPU label's value when the pool has GPUs of no declared type */
const UNKNOWN_GPU_TYPE = "generic";

interface Figures {
  cpuMillis: number;
  memoryBytes: number;
  ephemeralStorageBytes: number;
  pods: number;
}

export function buildTemplateNode(pool: PoolView, gpuLabel: string, now: Date): NodeSubset {
  const { template, name: poolName } = pool.pool;
  const smallest = smallestMachine(pool.machines);
  const fromTemplate = template.capacity.cpuMillis > 0 && template.capacity.memoryBytes > 0;
  if (!fromTemplate && !smallest) {
    throw new AgentError(
      "unimplemented",
      `node group "${poolName}" has no template node: its pool declares no capacity and has no machine to copy`,
      { groupId: poolName },
    );
  }
  const capacity: Figures = {
    cpuMillis: fromTemplate ? template.capacity.cpuMillis : smallest!.resources.cpuCores * 1000,
    memoryBytes: fromTemplate ? template.capacity.memoryBytes : smallest!.resources.memoryBytes,
    // unknown disk reads as none: CA then never expects storage the pool did not declare
    ephemeralStorageBytes: template.capacity.ephemeralStorageBytes,
    pods: template.capacity.pods > 0 ? template.capacity.pods : DEFAULT_MAX_PODS,
  };
  const allocatable = allocatableOf(capacity, template.allocatable);
  const gpuCount =
    template.gpuCount > 0 ? template.gpuCount : fromTemplate ? 0 : smallest!.resources.gpuCount;
  const gpuType = template.gpuType ?? smallest?.resources.gpuType ?? UNKNOWN_GPU_TYPE;
  const nodeName = `ksp-template-${poolName}`;

  const labels: Record<string, string> = {
    "kubernetes.io/os": "linux",
    "kubernetes.io/arch": "amd64",
    ...(smallest?.zone ? { "topology.kubernetes.io/zone": smallest.zone } : {}),
    ...(smallest?.region ? { "topology.kubernetes.io/region": smallest.region } : {}),
    ...template.labels,
    "kubernetes.io/hostname": nodeName,
    [POOL_LABEL]: poolName,
    ...(gpuCount > 0 ? { [gpuLabel]: gpuType } : {}),
  };
  return {
    name: nodeName,
    labels,
    taints: template.taints.map((t) => ({ key: t.key, value: t.value, effect: t.effect })),
    capacity: resourceList(capacity, gpuCount),
    allocatable: resourceList(allocatable, gpuCount),
    conditions: [
      {
        type: "Ready",
        status: "True",
        reason: "KubeletReady",
        message: `template node of pool ${poolName}`,
        lastHeartbeatTime: now,
        lastTransitionTime: now,
      },
    ],
  };
}

/** Cheapest by CPU, then memory; machines whose hardware is unknown (0 CPU) do not count. */
export function smallestMachine(machines: readonly AgentMachine[]): AgentMachine | undefined {
  let best: AgentMachine | undefined;
  for (const m of machines) {
    if (m.resources.cpuCores <= 0) continue;
    const r = m.resources;
    const b = best?.resources;
    if (!b || r.cpuCores < b.cpuCores || (r.cpuCores === b.cpuCores && r.memoryBytes < b.memoryBytes))
      best = m;
  }
  return best;
}

/** The template's allocatable where it declares one, else capacity; never above capacity. */
function allocatableOf(capacity: Figures, declared: Figures): Figures {
  const pick = (key: keyof Figures) =>
    declared[key] > 0 ? Math.min(declared[key], capacity[key]) : capacity[key];
  return {
    cpuMillis: pick("cpuMillis"),
    memoryBytes: pick("memoryBytes"),
    ephemeralStorageBytes: pick("ephemeralStorageBytes"),
    pods: pick("pods"),
  };
}

function resourceList(figures: Figures, gpuCount: number): Record<string, string> {
  return {
    cpu: cpuQuantity(figures.cpuMillis),
    memory: String(Math.floor(figures.memoryBytes)),
    "ephemeral-storage": String(Math.floor(figures.ephemeralStorageBytes)),
    pods: String(figures.pods),
    ...(gpuCount > 0 ? { [GPU_RESOURCE]: String(gpuCount) } : {}),
  };
}

/** Whole cores as "4", anything finer in millicores ("1500m"). */
export function cpuQuantity(millis: number): string {
  const whole = Math.round(millis);
  return whole % 1000 === 0 ? String(whole / 1000) : `${whole}m`;
}
