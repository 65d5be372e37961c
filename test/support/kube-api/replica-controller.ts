/**
 * A ReplicaSet controller with the scheduler and kubelet folded in, for drain
 * tests: it keeps `replicas` live pods that carry the labels and a controller
 * ownerReference, and when one is evicted or deleted it creates a replacement,
 * bound to the least-loaded schedulable node and Running + Ready, so a PDB
 * counts it healthy. With no schedulable node (all cordoned, NotReady or
 * tainted) a pod stays Pending without a nodeName until one appears, as with
 * the real scheduler.
 *
 * It reacts to the store's event log, coalescing the writes of one tick, and
 * never writes from inside a listener: a nested write would reach watchers
 * before the event that caused it.
 *
 *   const rs = startReplicaController(kube, { namespace: "default", name: "web", labels: { app: "web" }, replicas: 3 });
 *   ...
 *   rs.stop();
 */
import { randomUUID } from "node:crypto";
import { kubeTime } from "./object-meta.ts";
import type { KubeObject } from "./registry.ts";
import { pickNode, type Toleration } from "./scheduler.ts";
import type { KubeStore } from "./store.ts";

export interface ReplicaControllerOptions {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  replicas: number;
  /** The pod template's tolerations, e.g. for nodes that still carry a join taint. */
  tolerations?: Toleration[];
}

export interface ReplicaController {
  /** The ReplicaSet's uid, as its pods' controller ownerReference names it. */
  readonly uid: string;
  /** Its pods that are not terminating, by name. */
  pods(): KubeObject[];
  /** Changes spec.replicas; surplus pods go unscheduled ones first. */
  scale(replicas: number): void;
  stop(): void;
}

type PodShape = { spec?: { nodeName?: string }; status?: { phase?: string } };
type OwnerReference = { uid?: string; controller?: boolean };

const RETRY_MS = 100;

function runningStatus(now: string) {
  const condition = (type: string) => ({ type, status: "True", lastTransitionTime: now });
  return {
    phase: "Running",
    startTime: now,
    conditions: ["Initialized", "PodScheduled", "ContainersReady", "Ready"].map(condition),
  };
}

const pendingStatus = (now: string) => ({
  phase: "Pending",
  conditions: [
    {
      type: "PodScheduled",
      status: "False",
      reason: "Unschedulable",
      message: "0 nodes are available: no node is Ready, schedulable and without an untolerated taint.",
      lastTransitionTime: now,
    },
  ],
});

export function startReplicaController(
  target: KubeStore | { store: KubeStore },
  opts: ReplicaControllerOptions,
): ReplicaController {
  const store = "store" in target ? target.store : target;
  const uid = randomUUID();
  const { namespace, name, labels } = opts;
  let replicas = opts.replicas;
  let stopped = false;
  let queued: NodeJS.Immediate | NodeJS.Timeout | undefined;

  const ownerReference = {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    name,
    uid,
    controller: true,
    blockOwnerDeletion: true,
  };
  const ownsPod = (pod: KubeObject) =>
    ((pod.metadata.ownerReferences as OwnerReference[] | undefined) ?? []).some(
      (ref) => ref.controller && ref.uid === uid,
    );
  const isLive = (pod: KubeObject) => {
    const phase = (pod as PodShape).status?.phase;
    return !pod.metadata.deletionTimestamp && phase !== "Succeeded" && phase !== "Failed";
  };
  const ownedPods = () => store.list("pods", { namespace }).items.filter((p) => ownsPod(p) && isLive(p));
  const nodeOf = (pod: KubeObject) => (pod as PodShape).spec?.nodeName;

  function bind(pod: KubeObject, node: string): void {
    const podName = pod.metadata.name!;
    const bound = store.update("pods", namespace, podName, {
      ...pod,
      spec: { ...(pod.spec as object), nodeName: node },
    });
    store.update(
      "pods",
      namespace,
      podName,
      { ...bound, status: runningStatus(kubeTime(new Date())) },
      {
        subresource: "status",
      },
    );
  }

  function create(): void {
    const node = pickNode(store, opts.tolerations);
    const now = kubeTime(new Date());
    const pod: KubeObject = {
      metadata: {
        generateName: `${name}-`,
        namespace,
        labels: { ...labels },
        ownerReferences: [ownerReference],
      },
      spec: {
        containers: [{ name: "app", image: "registry.k8s.io/pause:3.10" }],
        ...(opts.tolerations ? { tolerations: opts.tolerations } : {}),
        ...(node ? { nodeName: node } : {}),
      },
      status: node ? runningStatus(now) : pendingStatus(now),
    };
    store.create("pods", namespace, pod, { keepStatus: true });
  }

  function reconcile(): void {
    const pods = ownedPods();
    // Unscheduled first, then the newest: what the real controller deletes first when scaling down.
    const created = (p: KubeObject) => p.metadata.creationTimestamp ?? "";
    const surplus = [...pods]
      .sort(
        (a, b) =>
          Number(Boolean(nodeOf(a))) - Number(Boolean(nodeOf(b))) || created(b).localeCompare(created(a)),
      )
      .slice(0, Math.max(0, pods.length - replicas));
    for (const pod of surplus) store.delete("pods", namespace, pod.metadata.name!);
    for (const pod of pods) {
      if (surplus.includes(pod) || nodeOf(pod)) continue;
      const node = pickNode(store, opts.tolerations);
      if (!node) break;
      bind(pod, node);
    }
    for (let n = pods.length - surplus.length; n < replicas; n++) create();
  }

  function run(): void {
    queued = undefined;
    if (stopped) return;
    try {
      reconcile();
    } catch {
      // A write lost a race or the namespace is gone; look again shortly.
      queued = setTimeout(run, RETRY_MS);
    }
  }

  const schedule = () => {
    if (!stopped && queued === undefined) queued = setImmediate(run);
  };
  const unsubscribe = store.events.subscribe((event) => {
    if (event.resource === "pods" || event.resource === "nodes") schedule();
  });
  run();

  return {
    uid,
    pods: ownedPods,
    scale(count) {
      replicas = count;
      schedule();
    },
    stop() {
      stopped = true;
      unsubscribe();
      if (queued !== undefined) {
        clearTimeout(queued as NodeJS.Timeout);
        clearImmediate(queued as NodeJS.Immediate);
      }
    },
  };
}
