/**
 * What the agent does to Node objects: cordon, drain (drain.ts), delete,
 * make sure a joined Node carries its pool's labels and taints, and cordon
 * and uncordon with the agent's mark (cordon-mark.ts). Every write
 * is safe to repeat, because the reconciler repeats a step whenever it cannot
 * tell whether the last attempt landed.
 */
import {
  type CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type V1Node,
  type V1Taint,
} from "@kubernetes/client-node";
import type { Logger } from "../../shared/logger.ts";
import { CORDONED_FOR_ANNOTATION, cordonedByOthers, type MarkOutcome } from "./cordon-mark.ts";
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
      const added = await readThenPatch(api, name, "label", (node) => {
        const addLabels = missingLabels(node.metadata?.labels, labels);
        const addTaints = missingTaints(node.spec?.taints, taints);
        const result = { labels: Object.keys(addLabels), taints: addTaints.map(taintId) };
        if (result.labels.length === 0 && result.taints.length === 0) return { result };
        return {
          result,
          // a merge patch replaces the taints list whole: the resourceVersion guards it
          body: {
            metadata: { labels: addLabels },
            ...(addTaints.length > 0
              ? { spec: { taints: [...(node.spec?.taints ?? []).map(wire), ...addTaints] } }
              : {}),
          },
        };
      });
      if (added.patched) log.info("node labels and taints added", { node: name, ...added.result });
      return added.result;
    },

    async cordonWithMark(name, reason) {
      const outcome = await readThenPatch(api, name, "cordon", (node): Decision<MarkOutcome> => {
        const cordonedFor = node.metadata?.annotations?.[CORDONED_FOR_ANNOTATION] ?? null;
        const unschedulable = node.spec?.unschedulable === true;
        if (cordonedByOthers({ unschedulable, cordonedFor })) return { result: "foreign" };
        if (unschedulable && cordonedFor === reason) return { result: "marked" };
        return {
          result: "marked",
          body: {
            metadata: { annotations: { [CORDONED_FOR_ANNOTATION]: reason } },
            spec: { unschedulable: true },
          },
        };
      });
      if (outcome.patched) log.info("node cordoned and marked", { node: name, reason });
      return outcome.result;
    },

    async uncordonMarked(name, reason) {
      const outcome = await readThenPatch(api, name, "uncordon", (node): Decision<boolean> => {
        if (node.metadata?.annotations?.[CORDONED_FOR_ANNOTATION] !== reason) return { result: false };
        return {
          result: true,
          body: {
            metadata: { annotations: { [CORDONED_FOR_ANNOTATION]: null } },
            spec: { unschedulable: false },
          },
        };
      });
      if (outcome.patched) log.info("marked node uncordoned", { node: name, reason });
      return outcome.result;
    },
  };
}

/** What to answer, and the merge patch to send first (none: nothing to change). */
interface Decision<T> {
  result: T;
  body?: { metadata?: Record<string, unknown>; spec?: Record<string, unknown> };
}

/**
 * Reads the Node, lets `decide` look at it, and sends its patch pinned to the
 * resourceVersion read: a concurrent change to the Node fails it with 409
 * instead of being lost (or, for a cordon, instead of taking an operator's
 * cordon for ours), and it is decided again on a fresh read.
 */
async function readThenPatch<T>(
  api: NodesApi,
  name: string,
  verb: string,
  decide: (node: V1Node) => Decision<T>,
): Promise<{ result: T; patched: boolean }> {
  for (let attempt = 1; ; attempt++) {
    let node: V1Node;
    try {
      node = await api.readNode({ name });
    } catch (err) {
      throw kubeError(`cannot read node ${name}`, err);
    }
    const { result, body } = decide(node);
    if (!body) return { result, patched: false };
    const pinned = {
      ...body,
      metadata: { ...body.metadata, resourceVersion: node.metadata?.resourceVersion },
    };
    try {
      await api.patchNode({ name, body: pinned }, mergePatch);
      return { result, patched: true };
    } catch (err) {
      const failure = kubeError(`cannot ${verb} node ${name}`, err);
      if (failure.status === 409 && attempt < WRITE_ATTEMPTS) continue;
      throw failure;
    }
  }
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
