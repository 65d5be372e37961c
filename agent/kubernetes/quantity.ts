/**
 * The cpu and memory of Kubernetes resource lists, with quantities parsed by
 * shared/kube-quantity.ts (exact with BigInt and rounded up, as the API
 * machinery's MilliValue()/Value() do; client-node's quantityToScalar refuses
 * "1.5Gi" and works in floating point). The control plane's health worker
 * uses the same parser.
 */
import { quantityMillis, quantityValue } from "../../shared/kube-quantity.ts";
import type { ResourceAmounts } from "./types.ts";

export { quantityMillis, quantityValue };

/**
 * The cpu and memory of a resource list (a Node's capacity, a container's
 * requests). Missing ones are zero, and so are ones that do not parse or are
 * negative: the API server validated them, so that would be a gap here, and
 * a figure must never take a Node or a pod out of the sums.
 */
export function cpuAndMemory(quantities: { [resource: string]: string } | undefined): ResourceAmounts {
  const cpu = quantities?.cpu;
  const memory = quantities?.memory;
  return Object.freeze({
    cpuMillis: Math.max(0, (cpu === undefined ? 0 : quantityMillis(String(cpu))) ?? 0),
    memoryBytes: Math.max(0, (memory === undefined ? 0 : quantityValue(String(memory))) ?? 0),
  });
}
