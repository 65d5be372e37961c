/**
 * The Node and Pod half of FakeKube (fake-kube.ts): an in-memory cluster of
 * Nodes and Pods, the NodeInformer view of it, and NodeOperations on it,
 * following the real adapters' rules (the contract suite in
 * test/support/agent/kube-contract.ts runs both): cordon is idempotent and
 * 404s on a missing Node, delete tolerates one, ensureLabelsAndTaints adds
 * only what is missing, cordonWithMark leaves an unmarked cordon alone and
 * uncordonMarked undoes only a marked one, drain plans with the real drain-plan.ts and honours
 * the timeout and the abort signal.
 */
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { V1Pod } from "@kubernetes/client-node";
import {
  type CordonReason,
  cordonedByOthers,
  type MarkOutcome,
} from "../../../agent/kubernetes/cordon-mark.ts";
import { blockedMessage, planDrain, podKey } from "../../../agent/kubernetes/drain-plan.ts";
import { DrainError, KubeError } from "../../../agent/kubernetes/kube-error.ts";
import { NodeIndex } from "../../../agent/kubernetes/node-info.ts";
import { missingLabels, missingTaints, taintId } from "../../../agent/kubernetes/node-labels-taints.ts";
import type {
  DrainOptions,
  DrainResult,
  NodeInfo,
  NodeInformer,
  NodeOperations,
  NodeTaint,
  ResourceAmounts,
} from "../../../agent/kubernetes/types.ts";

export interface FakeNodeInput {
  providerId?: string | null;
  labels?: Record<string, string>;
  taints?: NodeTaint[];
  ready?: boolean;
  unschedulable?: boolean;
  /** the agent's `ksp.io/cordoned-for` mark (cordon-mark.ts) */
  cordonedFor?: string | null;
  deleting?: boolean;
  uid?: string;
  /** cpu and memory as the kubelet reports them; default zero */
  capacity?: ResourceAmounts;
  /** default: the capacity */
  allocatable?: ResourceAmounts;
}

export interface DrainBehaviour {
  /** every drain takes this long before it starts evicting (bounded by its timeout) */
  delayMs?: number;
  /** every drain fails: "timeout" after its timeoutMs, "blocked" at once */
  fail?: "timeout" | "blocked";
}

/** Records the call and throws an injected failure, if one is queued (FakeKube.failNext). */
export type Gate = (method: string, args: unknown[]) => void;

const notFound = (what: string, name: string) =>
  new KubeError(`${what}: HTTP 404 (nodes "${name}" not found)`, { status: 404, reason: "NotFound" });

export class FakeNodeStore {
  readonly nodes = new Map<string, NodeInfo>();
  readonly pods = new Map<string, { pod: V1Pod; pdbBlocked: boolean }>();
  readonly #listeners = new Set<() => void>();

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  put(info: NodeInfo): void {
    this.nodes.set(info.name, Object.freeze({ ...info }));
    this.changed();
  }

  create(name: string, input: FakeNodeInput): NodeInfo {
    if (this.nodes.has(name)) throw new Error(`fake kube: node ${name} already exists`);
    const info: NodeInfo = {
      name,
      uid: input.uid ?? randomUUID(),
      providerId: input.providerId ?? null,
      ready: input.ready ?? true,
      labels: { ...(input.labels ?? {}) },
      taints: [...(input.taints ?? [])],
      unschedulable: input.unschedulable ?? false,
      cordonedFor: input.cordonedFor ?? null,
      deleting: input.deleting ?? false,
      capacity: { ...(input.capacity ?? { cpuMillis: 0, memoryBytes: 0 }) },
      allocatable: { ...(input.allocatable ?? input.capacity ?? { cpuMillis: 0, memoryBytes: 0 }) },
    };
    this.put(info);
    return this.nodes.get(name)!;
  }

  update(name: string, change: Partial<Omit<NodeInfo, "name">>): void {
    const current = this.nodes.get(name);
    if (!current) throw new Error(`fake kube: no node ${name}`);
    this.put({ ...current, ...change });
  }

  remove(name: string): void {
    if (this.nodes.delete(name)) this.changed();
  }

  podsOn(node: string): V1Pod[] {
    return [...this.pods.values()].map((p) => p.pod).filter((pod) => pod.spec?.nodeName === node);
  }

  changed(): void {
    for (const listener of [...this.#listeners]) listener();
  }
}

/** The informer's view: empty until start(), then kept in step synchronously; frozen by stop(). */
export class FakeNodeInformer implements NodeInformer {
  readonly #view = new NodeIndex();
  readonly #listeners = new Set<() => void>();
  #synced = false;
  #unsubscribe: (() => void) | undefined;

  constructor(
    private readonly store: FakeNodeStore,
    private readonly gate: Gate,
  ) {}

  async start(): Promise<void> {
    this.gate("start", []);
    if (this.#unsubscribe) return;
    const refresh = () => {
      this.#view.replaceAll([...this.store.nodes.values()]);
      for (const listener of [...this.#listeners]) listener();
    };
    this.#unsubscribe = this.store.onChange(refresh);
    this.#synced = true;
    refresh();
  }

  async stop(): Promise<void> {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#synced = false;
  }

  synced = () => this.#synced;
  byName = (name: string) => this.#view.get(name);
  byProviderId = (providerId: string) => this.#view.byProviderId(providerId);
  list = () => this.#view.list();

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

export class FakeNodeOperations implements NodeOperations {
  drainBehaviour: DrainBehaviour = {};

  constructor(
    private readonly store: FakeNodeStore,
    private readonly gate: Gate,
    /** delay between refused evictions of a PDB-blocked pod */
    private readonly evictionRetryMs: number,
  ) {}

  async cordon(name: string): Promise<void> {
    this.gate("cordon", [name]);
    const node = this.store.nodes.get(name);
    if (!node) throw notFound(`cannot cordon node ${name}`, name);
    if (!node.unschedulable) this.store.update(name, { unschedulable: true });
  }

  async cordonWithMark(name: string, reason: CordonReason): Promise<MarkOutcome> {
    this.gate("cordonWithMark", [name, reason]);
    const node = this.store.nodes.get(name);
    if (!node) throw notFound(`cannot read node ${name}`, name);
    if (cordonedByOthers(node)) return "foreign";
    if (!node.unschedulable || node.cordonedFor !== reason) {
      this.store.update(name, { unschedulable: true, cordonedFor: reason });
    }
    return "marked";
  }

  async uncordonMarked(name: string, reason: CordonReason): Promise<boolean> {
    this.gate("uncordonMarked", [name, reason]);
    const node = this.store.nodes.get(name);
    if (!node) throw notFound(`cannot read node ${name}`, name);
    if (node.cordonedFor !== reason) return false;
    this.store.update(name, { unschedulable: false, cordonedFor: null });
    return true;
  }

  async delete(name: string, options: { uid?: string } = {}): Promise<void> {
    this.gate("deleteNode", [name, options]);
    const node = this.store.nodes.get(name);
    if (!node) return;
    if (options.uid && options.uid !== node.uid) {
      throw new KubeError(`cannot delete node ${name}: HTTP 409 (Precondition failed: UID mismatch)`, {
        status: 409,
        reason: "Conflict",
      });
    }
    this.store.remove(name);
  }

  async ensureLabelsAndTaints(
    name: string,
    labels: Readonly<Record<string, string>>,
    taints: readonly NodeTaint[],
  ): Promise<{ labels: string[]; taints: string[] }> {
    this.gate("ensureLabelsAndTaints", [name, labels, taints]);
    const node = this.store.nodes.get(name);
    if (!node) throw notFound(`cannot read node ${name}`, name);
    const addLabels = missingLabels(node.labels, labels);
    const addTaints = missingTaints(node.taints, taints);
    const added = { labels: Object.keys(addLabels), taints: addTaints.map(taintId) };
    if (added.labels.length > 0 || added.taints.length > 0) {
      this.store.update(name, {
        labels: { ...node.labels, ...addLabels },
        taints: [...node.taints, ...addTaints],
      });
    }
    return added;
  }

  async drain(name: string, options: DrainOptions): Promise<DrainResult> {
    this.gate("drain", [name, { ...options, signal: undefined }]);
    const timeout = AbortSignal.timeout(options.timeoutMs);
    const stop = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
    const left: string[] = [];
    const refused = new Set<string>();
    try {
      return await this.#drain(name, options, stop, left, refused);
    } catch (err) {
      if (!stop.aborted) throw err;
      const reason = options.signal?.aborted ? "aborted" : "timeout";
      const pdb =
        refused.size > 0 ? `; a PodDisruptionBudget refused evicting ${[...refused].join(", ")}` : "";
      const what = reason === "timeout" ? `timed out after ${options.timeoutMs} ms` : "was aborted";
      throw new DrainError(
        reason,
        `drain of node ${name} ${what}; pods still there: ${left.join(", ") || "none"}${pdb}`,
        left,
      );
    }
  }

  async #drain(
    name: string,
    options: DrainOptions,
    signal: AbortSignal,
    left: string[],
    refused: Set<string>,
  ): Promise<DrainResult> {
    signal.throwIfAborted();
    const behaviour = this.drainBehaviour;
    if (behaviour.fail === "blocked")
      throw new DrainError("blocked", `cannot drain node ${name}: injected`, []);
    if (behaviour.delayMs) await sleep(behaviour.delayMs, undefined, { signal });
    if (behaviour.fail === "timeout") await sleep(options.timeoutMs + 1000, undefined, { signal });
    const plan = planDrain(this.store.podsOn(name), options);
    if (plan.blocked.length > 0) {
      throw new DrainError(
        "blocked",
        blockedMessage(name, plan.blocked),
        plan.blocked.map((b) => b.pod),
      );
    }
    left.push(...plan.evict.map(podKey));
    const evicted: string[] = [];
    let pdbRetries = 0;
    for (const pod of plan.evict) {
      const key = podKey(pod);
      while (this.store.pods.get(key)?.pdbBlocked) {
        pdbRetries += 1;
        refused.add(key);
        await sleep(this.evictionRetryMs, undefined, { signal });
      }
      if (this.store.pods.delete(key)) evicted.push(key);
      left.splice(left.indexOf(key), 1);
    }
    return { evicted, skipped: plan.skipped, pdbRetries };
  }
}
