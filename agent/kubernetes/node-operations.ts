/**
 * What the agent does to Node objects: cordon, drain (drain.ts), delete, and
 * make sure a joined Node carries its pool's labels and taints. Every write
 * is safe to repeat, because the reconciler repeats a step whenever it cannot
 * tell whether the last attempt landed.
 */
import { type CoreV1Api, PatchStrategy, setHeaderOptions, type V1Taint } from "@kubernetes/client-node";
import type { Logger } from "../../shared/logger.ts";
import { type DrainSettings, drainNode, type PodsApi } from "./drain.ts";
import { isNotFound, kubeError } from "./kube-error.ts";
import { missingLabels, missingTaints, taintId } from "./node-labels-taints.ts";
import { rfc3339Seconds } from "./rfc3339.ts";
import type { NodeOperations } from "./types.ts";

export type NodesApi = Pick<CoreV1Api, "readNode" | "patchNode" | "deleteNode"> & PodsApi;

export interface NodeOperationsOptions {
  logger: Logger;
  /** delay between evictions a PodDisruptionBudget refused; default 1 s doubling to 5 s */
  evictionRetry?: { baseMs: number; maxMs: number };
  /** how often a drain checks whether evicted pods are gone; default 1 s */
  pollIntervalMs?: number;
  /** evictions in flight at once per drain; default 8 */
  concurrency?: number;
}

const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
/** a labels/taints write that lost a race re-reads the Node and tries again, this many times in all */
const WRITE_ATTEMPTS = 5;

export function createNodeOperations(api: NodesApi, options: NodeOperationsOptions): NodeOperations {
  const log = options.logger.child({ component: "node-operations" });
  const drainSettings: DrainSettings = {
    logger: log,
    retry: options.evictionRetry ?? { baseMs: 1000, maxMs: 5000 },
    pollIntervalMs: options.pollIntervalMs ?? 1000,
    concurrency: options.concurrency ?? 8,
  };

  return {
    async cordon(name) {
      try {
        // A merge patch of one field: no read, no conflict, and a no-op on a cordoned Node.
        await api.patchNode({ name, body: { spec: { unschedulable: true } } }, mergePatch);
      } catch (err) {
        throw kubeError(`cannot cordon node ${name}`, err);
      }
      log.info("node cordoned", { node: name });
    },

    drain: (name, drainOptions) => drainNode(api, name, drainOptions, drainSettings),

    async delete(name, deleteOptions = {}) {
      try {
        await api.deleteNode({
          name,
          ...(deleteOptions.uid ? { body: { preconditions: { uid: deleteOptions.uid } } } : {}),
        });
      } catch (err) {
        const failure = kubeError(`cannot delete node ${name}`, err);
        if (isNotFound(failure)) return;
        throw failure;
      }
      log.info("node deleted", { node: name });
    },

    async ensureLabelsAndTaints(name, labels, taints) {
      for (let attempt = 1; ; attempt++) {
        let node: Awaited<ReturnType<NodesApi["readNode"]>>;
        try {
          node = await api.readNode({ name });
        } catch (err) {
          throw kubeError(`cannot read node ${name}`, err);
        }
        const addLabels = missingLabels(node.metadata?.labels, labels);
        const addTaints = missingTaints(node.spec?.taints, taints);
        const added = { labels: Object.keys(addLabels), taints: addTaints.map(taintId) };
        if (added.labels.length === 0 && added.taints.length === 0) return added;
        // A merge patch replaces the taints list whole, so it carries the resourceVersion read
        // above: a concurrent change to the Node makes it fail with 409 instead of being lost.
        const body = {
          metadata: { resourceVersion: node.metadata?.resourceVersion, labels: addLabels },
          ...(addTaints.length > 0
            ? { spec: { taints: [...(node.spec?.taints ?? []).map(wire), ...addTaints] } }
            : {}),
        };
        try {
          await api.patchNode({ name, body }, mergePatch);
          log.info("node labels and taints added", { node: name, ...added });
          return added;
        } catch (err) {
          const failure = kubeError(`cannot label node ${name}`, err);
          if (failure.status === 409 && attempt < WRITE_ATTEMPTS) continue;
          throw failure;
        }
      }
    },
  };
}

/** A taint as the API takes it back: the typed client turned timeAdded into a Date. */
function wire(taint: V1Taint) {
  const added = taint.timeAdded ? new Date(taint.timeAdded) : undefined;
  return {
    key: taint.key,
    effect: taint.effect,
    ...(taint.value !== undefined ? { value: taint.value } : {}),
    ...(added && !Number.isNaN(added.getTime()) ? { timeAdded: rfc3339Seconds(added) } : {}),
  };
}
