/**
 * What a pod holds of its Node's allocatable CPU and memory: its effective
 * requests, computed as the scheduler does (k8s.io/component-helpers
 * resource.PodRequests), so the agent's "requested" matches what
 * `kubectl describe node` shows:
 *
 * - the app containers' requests add up;
 * - init containers run one at a time before them, so only the largest one
 *   counts, and only where it exceeds the app containers (per resource);
 * - sidecars (init containers with restartPolicy Always) keep running, so
 *   they add to the app containers and to every init container after them;
 * - the RuntimeClass overhead (spec.overhead) adds on top.
 */
import type { V1Container, V1Pod } from "@kubernetes/client-node";
import { cpuAndMemory } from "./quantity.ts";
import type { ResourceAmounts } from "./types.ts";

const requestsOf = (container: V1Container) => cpuAndMemory(container.resources?.requests);
const plus = (a: ResourceAmounts, b: ResourceAmounts): ResourceAmounts => ({
  cpuMillis: a.cpuMillis + b.cpuMillis,
  memoryBytes: a.memoryBytes + b.memoryBytes,
});
const max = (a: ResourceAmounts, b: ResourceAmounts): ResourceAmounts => ({
  cpuMillis: Math.max(a.cpuMillis, b.cpuMillis),
  memoryBytes: Math.max(a.memoryBytes, b.memoryBytes),
});
export const ZERO_AMOUNTS: ResourceAmounts = Object.freeze({ cpuMillis: 0, memoryBytes: 0 });

export function podRequests(pod: V1Pod): ResourceAmounts {
  let total = (pod.spec?.containers ?? []).map(requestsOf).reduce(plus, ZERO_AMOUNTS);
  let sidecars = ZERO_AMOUNTS;
  let initPeak = ZERO_AMOUNTS;
  for (const init of pod.spec?.initContainers ?? []) {
    const own = requestsOf(init);
    if (init.restartPolicy === "Always") {
      total = plus(total, own);
      sidecars = plus(sidecars, own);
      initPeak = max(initPeak, sidecars);
    } else {
      initPeak = max(initPeak, plus(own, sidecars));
    }
  }
  return plus(max(total, initPeak), cpuAndMemory(pod.spec?.overhead));
}

/** Bound to a Node and not finished: what the scheduler counts against the Node. */
export function holdsNodeResources(pod: V1Pod): boolean {
  const phase = pod.status?.phase;
  return Boolean(pod.spec?.nodeName) && phase !== "Succeeded" && phase !== "Failed";
}
