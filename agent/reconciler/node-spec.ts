/**
 * What a machine's Node must look like, from the machine and its pool: its
 * name, labels and taints, and what the host must offer. Pure functions; the
 * join uses them, and so does the check that patches missing labels back.
 */
import type { AgentMachine, AgentPool } from "../../proto/agent-api.ts";
import { POOL_LABEL } from "../cloud-provider/template-node.ts";
import type { NodeTaint } from "../kubernetes/types.ts";
import type { Requirements } from "../pipeline/pipelines/preflight-input.ts";
import { kubeletMaySetLabel, validateNodeName } from "../pipeline/quote.ts";
import { providerIdOf } from "../state/instances.ts";

const ZONE_LABEL = "topology.kubernetes.io/zone";
const REGION_LABEL = "topology.kubernetes.io/region";
/**
 * A host reports less memory than it has installed (firmware and kernel keep
 * some), so a template's figure is met by any host within this fraction of it.
 */
export const MEMORY_TOLERANCE = 0.9;

/** The Node name: the machine's hostname, lower-cased as the kubelet does; a ValidationError if unusable. */
export function nodeNameOf(machine: AgentMachine): string {
  return validateNodeName(machine.hostname.toLowerCase(), "hostname");
}

/** For undoing a join: the Node name when there is one, else the hostname as it is (hooks only see it). */
export function nodeNameOrHostname(machine: AgentMachine): string {
  try {
    return nodeNameOf(machine);
  } catch {
    return machine.hostname;
  }
}

export { providerIdOf };

/** Machine labels, then its zone/region, then the pool's template labels (the pool wins), then the pool label. */
export function nodeLabelsOf(machine: AgentMachine, pool: AgentPool): Record<string, string> {
  return {
    ...machine.labels,
    ...(machine.zone ? { [ZONE_LABEL]: machine.zone } : {}),
    ...(machine.region ? { [REGION_LABEL]: machine.region } : {}),
    ...pool.template.labels,
    [POOL_LABEL]: pool.name,
  };
}

/** The pool's taints, then the machine's own ones whose key and effect the pool does not set. */
export function nodeTaintsOf(machine: AgentMachine, pool: AgentPool): NodeTaint[] {
  const taints: NodeTaint[] = pool.template.taints.map((t) => ({ ...t }));
  const seen = new Set(taints.map((t) => `${t.key}:${t.effect}`));
  for (const t of machine.taints) if (!seen.has(`${t.key}:${t.effect}`)) taints.push({ ...t });
  return taints;
}

/** The labels the kubelet may register with (--node-labels); the rest are written once the Node exists. */
export function kubeletLabels(labels: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).filter(([key]) => kubeletMaySetLabel(key)));
}

/** What preflight checks the host has: at least what Cluster Autoscaler was told a node of the pool offers. */
export function requirementsOf(pool: AgentPool): Requirements {
  const { capacity, gpuCount } = pool.template;
  const requirements: Requirements = {};
  if (capacity.cpuMillis > 0) requirements.cpuCores = Math.floor(capacity.cpuMillis / 1000);
  if (capacity.memoryBytes > 0)
    requirements.memoryBytes = Math.floor(capacity.memoryBytes * MEMORY_TOLERANCE);
  if (gpuCount > 0) requirements.gpus = gpuCount;
  return requirements;
}
