/**
 * The pods/eviction subresource with the API server's PDB check
 * (pkg/registry/core/pod/storage/eviction.go). There is no disruption
 * controller here, so the budget is computed from the live pods on every
 * eviction instead of read from a PDB status the controller maintains.
 * Expected pods are the non-terminal pods the selector matches, but never
 * fewer than the PDB's recorded `status.expectedPods`: upstream uses the owning
 * controllers' scale, which does not shrink when a pod is evicted (the
 * controller replaces it). Tests that really scale down can reset that status.
 */
import type { KubeObject } from "./registry.ts";
import { type LabelSelectorObject, matchesLabelSelectorObject } from "./selectors.ts";
import { errors, KubeApiError, type StatusBody, success } from "./status.ts";
import type { KubeStore } from "./store.ts";

type PodStatus = { phase?: string; conditions?: { type: string; status: string }[] };
type PdbSpec = {
  selector?: LabelSelectorObject | null;
  minAvailable?: number | string;
  maxUnavailable?: number | string;
  unhealthyPodEvictionPolicy?: "IfHealthyBudget" | "AlwaysAllow";
};
type EvictionBody = {
  metadata?: { name?: string };
  deleteOptions?: { dryRun?: string[]; preconditions?: { uid?: string; resourceVersion?: string } };
};

const phaseOf = (pod: KubeObject) => (pod.status as PodStatus | undefined)?.phase;
const isTerminal = (pod: KubeObject) => phaseOf(pod) === "Succeeded" || phaseOf(pod) === "Failed";

/** Running, Ready and not being deleted: what the disruption controller counts as healthy. */
export function isHealthy(pod: KubeObject): boolean {
  const status = pod.status as PodStatus | undefined;
  const ready = status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
  return status?.phase === "Running" && ready && !pod.metadata.deletionTimestamp;
}

/** An int, or a percentage of `total` rounded up (GetScaledValueFromIntOrPercent with roundUp). */
function scaled(value: number | string, total: number): number {
  if (typeof value === "number") return value;
  const pct = /^(\d+)%$/.exec(value);
  if (pct) return Math.ceil((Number(pct[1]) * total) / 100);
  if (/^\d+$/.test(value)) return Number(value);
  throw errors.internal(`invalid value for IntOrString: invalid value "${value}"`);
}

export interface Budget {
  expectedPods: number;
  currentHealthy: number;
  desiredHealthy: number;
  disruptionsAllowed: number;
}

export function computeBudget(spec: PdbSpec, pods: KubeObject[], recordedExpected = 0): Budget {
  const live = pods.filter((p) => !isTerminal(p));
  const expectedPods = Math.max(live.length, recordedExpected);
  const currentHealthy = live.filter(isHealthy).length;
  let desiredHealthy = 0;
  if (spec.maxUnavailable !== undefined) {
    desiredHealthy = Math.max(0, expectedPods - scaled(spec.maxUnavailable, expectedPods));
  } else if (spec.minAvailable !== undefined) {
    desiredHealthy = scaled(spec.minAvailable, expectedPods);
  }
  return {
    expectedPods,
    currentHealthy,
    desiredHealthy,
    disruptionsAllowed: Math.max(0, currentHealthy - desiredHealthy),
  };
}

function refuse(pdbName: string, budget: Budget): KubeApiError {
  return new KubeApiError(
    429,
    "TooManyRequests",
    "Cannot evict pod as it would violate the pod's disruption budget.",
    {
      causes: [
        {
          reason: "DisruptionBudget",
          message: `The disruption budget ${pdbName} needs ${budget.desiredHealthy} healthy pods and has ${budget.currentHealthy} currently`,
        },
      ],
    },
  );
}

/** Evicts (deletes) the pod if its PDB allows it; returns the 201 Success Status or throws the refusal. */
export function evictPod(store: KubeStore, namespace: string, name: string, input: unknown): StatusBody {
  const body = (input ?? {}) as EvictionBody;
  if (body.metadata?.name && body.metadata.name !== name) {
    throw errors.badRequest("name in URL does not match name in Eviction object");
  }
  const pod = store.get("pods", namespace, name);
  const dryRun = (body.deleteOptions?.dryRun ?? []).length > 0;
  const remove = () => {
    if (!dryRun) store.delete("pods", namespace, name, body.deleteOptions?.preconditions ?? {});
    return success(201);
  };
  // Terminal, pending or already-deleting pods never count against a budget.
  if (pod.metadata.deletionTimestamp || isTerminal(pod) || phaseOf(pod) === "Pending") return remove();

  const labels = pod.metadata.labels ?? {};
  const pdbs = store
    .list("poddisruptionbudgets", { namespace })
    .items.filter((pdb) => matchesLabelSelectorObject((pdb.spec as PdbSpec | undefined)?.selector, labels));
  if (pdbs.length === 0) return remove();
  if (pdbs.length > 1) {
    throw errors.internal(
      "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
    );
  }
  const pdb = pdbs[0]!;
  const spec = (pdb.spec ?? {}) as PdbSpec;
  const matching = store
    .list("pods", { namespace })
    .items.filter((p) => matchesLabelSelectorObject(spec.selector, p.metadata.labels ?? {}));
  const recorded = (pdb.status as { expectedPods?: number } | undefined)?.expectedPods ?? 0;
  const budget = computeBudget(spec, matching, recorded);

  if (!isHealthy(pod)) {
    const alwaysAllow = spec.unhealthyPodEvictionPolicy === "AlwaysAllow";
    if (alwaysAllow || budget.currentHealthy >= budget.desiredHealthy) return remove();
    throw refuse(pdb.metadata.name!, budget);
  }
  if (budget.disruptionsAllowed <= 0) throw refuse(pdb.metadata.name!, budget);
  if (!dryRun) {
    // Like checkAndDecrement: record the spent disruption on the PDB before deleting the pod.
    const status = {
      ...budget,
      disruptionsAllowed: budget.disruptionsAllowed - 1,
      observedGeneration: pdb.metadata.generation,
    };
    store.update(
      "poddisruptionbudgets",
      namespace,
      pdb.metadata.name!,
      { ...pdb, status },
      { subresource: "status" },
    );
  }
  return remove();
}
