/**
 * Drains a Node through the Eviction API, never by deleting pods: an
 * eviction is the API server checking the pods' PodDisruptionBudgets, a
 * delete would bypass them. A refusal (429) is retried with capped backoff
 * until the deadline, since budgets recover as replacements become Ready
 * elsewhere. Evictions carry the pod's uid as a precondition, so a pod
 * recreated under the same name meanwhile is not evicted in its place.
 * A drain ends when every evicted pod is gone from the Node (or replaced by
 * one with another uid), seen by listing the Node's pods, one call per poll.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { CoreV1Api, V1Pod } from "@kubernetes/client-node";
import type { Logger } from "../../shared/logger.ts";
import { blockedMessage, planDrain, podKey } from "./drain-plan.ts";
import { DrainError, type KubeError, kubeError } from "./kube-error.ts";
import type { DrainOptions, DrainResult } from "./types.ts";

export type PodsApi = Pick<CoreV1Api, "listPodForAllNamespaces" | "createNamespacedPodEviction">;

export interface DrainSettings {
  logger: Logger;
  /** delay after a 429: baseMs, doubled per refusal of the same pod, capped at maxMs */
  retry: { baseMs: number; maxMs: number };
  /** how often the Node's pods are listed while waiting for evicted pods to go */
  pollIntervalMs: number;
  /** evictions in flight at once */
  concurrency: number;
}

type StopReason = "timeout" | "aborted" | "done";

interface Progress {
  /** pods to evict that are not known to be gone, by key, with their uid */
  pending: Map<string, string | undefined>;
  refused: Set<string>;
  evicted: string[];
  pdbRetries: number;
}

export async function drainNode(
  api: PodsApi,
  node: string,
  options: DrainOptions,
  settings: DrainSettings,
): Promise<DrainResult> {
  const stop = new AbortController();
  const halt = (reason: StopReason) => !stop.signal.aborted && stop.abort(reason);
  const timer = setTimeout(() => halt("timeout"), options.timeoutMs);
  const onAbort = () => halt("aborted");
  options.signal?.addEventListener("abort", onAbort, { once: true });
  if (options.signal?.aborted) halt("aborted");
  const stopped = new Promise<never>((_, reject) => {
    const fail = () => reject(stop.signal.reason);
    if (stop.signal.aborted) fail();
    else stop.signal.addEventListener("abort", fail, { once: true });
  });
  const progress: Progress = { pending: new Map(), refused: new Set(), evicted: [], pdbRetries: 0 };
  try {
    return await Promise.race([run(api, node, options, settings, stop.signal, progress), stopped]);
  } catch (err) {
    const reason = stop.signal.reason as StopReason | undefined;
    if (reason === "timeout" || reason === "aborted") throw unfinished(reason, node, options, progress);
    throw err;
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", onAbort);
    halt("done");
  }
}

async function run(
  api: PodsApi,
  node: string,
  options: DrainOptions,
  settings: DrainSettings,
  signal: AbortSignal,
  progress: Progress,
): Promise<DrainResult> {
  signal.throwIfAborted();
  const log = settings.logger.child({ node });
  const plan = planDrain(await podsOn(api, node), options);
  if (plan.blocked.length > 0) {
    throw new DrainError(
      "blocked",
      blockedMessage(node, plan.blocked),
      plan.blocked.map((b) => b.pod),
    );
  }
  for (const pod of plan.evict) progress.pending.set(podKey(pod), pod.metadata?.uid);
  log.info("draining node", { evict: plan.evict.length, skipped: plan.skipped.length });

  // Evictions and the wait for pods to go overlap, so a pod that went is never reported as still there.
  const queue = [...plan.evict];
  const worker = async () => {
    for (let pod = queue.shift(); pod && !signal.aborted; pod = queue.shift()) {
      if (progress.pending.has(podKey(pod))) await evict(api, pod, options, settings, signal, progress);
    }
  };
  const evicting = Promise.all(Array.from({ length: Math.min(settings.concurrency, queue.length) }, worker));
  const waiting = async () => {
    while (progress.pending.size > 0 && !signal.aborted) {
      await sleep(settings.pollIntervalMs, undefined, { signal });
      const present = new Map((await podsOn(api, node)).map((p) => [podKey(p), p.metadata?.uid]));
      for (const [key, uid] of progress.pending) {
        if (!present.has(key) || present.get(key) !== uid) progress.pending.delete(key);
      }
    }
  };
  await Promise.all([evicting, waiting()]);
  log.info("node drained", { evicted: progress.evicted.length, pdbRetries: progress.pdbRetries });
  return { evicted: progress.evicted, skipped: plan.skipped, pdbRetries: progress.pdbRetries };
}

async function evict(
  api: PodsApi,
  pod: V1Pod,
  options: DrainOptions,
  settings: DrainSettings,
  signal: AbortSignal,
  progress: Progress,
): Promise<void> {
  const key = podKey(pod);
  const name = pod.metadata?.name ?? "";
  const namespace = pod.metadata?.namespace ?? "";
  const uid = pod.metadata?.uid;
  const deleteOptions = {
    ...(options.gracePeriodSeconds >= 0 ? { gracePeriodSeconds: options.gracePeriodSeconds } : {}),
    ...(uid ? { preconditions: { uid } } : {}),
  };
  for (let refusals = 0; !signal.aborted; ) {
    let failure: KubeError;
    try {
      await api.createNamespacedPodEviction({
        name,
        namespace,
        body: { apiVersion: "policy/v1", kind: "Eviction", metadata: { name, namespace }, deleteOptions },
      });
      progress.evicted.push(key);
      return;
    } catch (err) {
      failure = kubeError(`cannot evict pod ${key}`, err);
    }
    // 404: already gone; 409 on the uid precondition: a new pod took the name, ours is gone.
    if (failure.status === 404 || failure.status === 409) {
      progress.pending.delete(key);
      return;
    }
    if (failure.status !== 429) throw failure;
    progress.pdbRetries += 1;
    progress.refused.add(key);
    const delay = Math.min(settings.retry.baseMs * 2 ** refusals, settings.retry.maxMs);
    refusals += 1;
    await sleep(delay, undefined, { signal });
  }
}

async function podsOn(api: PodsApi, node: string): Promise<V1Pod[]> {
  try {
    const list = await api.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${node}` });
    return list.items;
  } catch (err) {
    throw kubeError(`cannot list the pods on node ${node}`, err);
  }
}

function unfinished(reason: "timeout" | "aborted", node: string, options: DrainOptions, p: Progress) {
  const left = [...p.pending.keys()];
  const shown = left.slice(0, 20).join(", ") + (left.length > 20 ? `, and ${left.length - 20} more` : "");
  const refused = left.filter((key) => p.refused.has(key));
  const what = reason === "timeout" ? `timed out after ${options.timeoutMs} ms` : "was aborted";
  const pdb =
    refused.length > 0 ? `; a PodDisruptionBudget refused evicting ${refused.slice(0, 20).join(", ")}` : "";
  return new DrainError(
    reason,
    `drain of node ${node} ${what}; pods still there: ${shown || "none"}${pdb}`,
    left,
  );
}
