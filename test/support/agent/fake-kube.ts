/**
 * An in-memory Kubernetes for the agent's reconciler tests: the four
 * adapters of agent/kubernetes/types.ts over one set of Nodes, Pods and
 * bootstrap tokens, with the controls those tests need.
 *
 *   const kube = new FakeKube({ clock });
 *   kube.addNode("n1", { providerId: "ksp://m1", ready: false });
 *   await kube.nodeInformer.start();
 *   kube.setReady("n1", true);             // subscribers are told at once
 *   kube.failNext("cordon", new KubeError("boom", { status: 500 }));
 *   kube.setDrainBehaviour({ delayMs: 50 });
 *   kube.tokens();                         // live bootstrap tokens
 *   kube.calls;                            // every adapter call, in order
 *
 * The same behaviours run against the real adapters on the Kubernetes API
 * stand-in in test/support/agent/kube-contract.ts, so what a reconciler test
 * sees here is what it would see there.
 */
import type { V1Pod } from "@kubernetes/client-node";
import { CLUSTER_INFO_MISSING } from "../../../agent/kubernetes/cluster-discovery.ts";
import { podKey } from "../../../agent/kubernetes/drain-plan.ts";
import { KubeError } from "../../../agent/kubernetes/kube-error.ts";
import type { ClusterDiscovery, ClusterJoinInfo } from "../../../agent/kubernetes/types.ts";
import { type Clock, systemClock } from "../../../shared/clock.ts";
import {
  type DrainBehaviour,
  FakeNodeInformer,
  type FakeNodeInput,
  FakeNodeOperations,
  FakeNodeStore,
} from "./fake-kube-nodes.ts";
import { FakeResourceReads } from "./fake-kube-resources.ts";
import { FakeBootstrapTokens, type FakeToken } from "./fake-kube-tokens.ts";

export type { DrainBehaviour, FakeNodeInput } from "./fake-kube-nodes.ts";
export type { FakeToken } from "./fake-kube-tokens.ts";

export type FakeKubeMethod =
  | "start"
  | "cordon"
  | "cordonWithMark"
  | "uncordonMarked"
  | "drain"
  | "deleteNode"
  | "ensureLabelsAndTaints"
  | "createToken"
  | "deleteToken"
  | "deleteExpired"
  | "deleteOrphaned"
  | "discover"
  | "podRequestsByNode"
  | "nodeUsage";

export interface FakeKubeOptions {
  clock?: Clock;
  /** the agent identity in token descriptions */
  identity?: string;
  /** what discover() answers; null: as if kube-public/cluster-info were missing */
  joinInfo?: ClusterJoinInfo | null;
  /** delay between refused evictions of a PDB-blocked pod; default 10 ms */
  evictionRetryMs?: number;
}

export const FAKE_JOIN_INFO: ClusterJoinInfo = {
  apiEndpoint: "10.0.0.1:6443",
  caCertHash: `sha256:${"ab".repeat(32)}`,
};

export class FakeKube {
  readonly nodeInformer: FakeNodeInformer;
  readonly nodeOperations: FakeNodeOperations;
  readonly bootstrapTokens: FakeBootstrapTokens;
  readonly discovery: ClusterDiscovery;
  /** pods' requests and metrics-server usage: setUsage(node, …), metricsAvailable = false */
  readonly resourceReads: FakeResourceReads;
  /** every adapter call, oldest first; drain's signal is left out */
  readonly calls: { method: FakeKubeMethod; args: unknown[] }[] = [];
  readonly #store = new FakeNodeStore();
  readonly #failures = new Map<string, Error[]>();
  #joinInfo: ClusterJoinInfo | null;

  constructor(options: FakeKubeOptions = {}) {
    const gate = (method: string, args: unknown[]) => {
      this.calls.push({ method: method as FakeKubeMethod, args });
      const failure = this.#failures.get(method)?.shift();
      if (failure) throw failure;
    };
    this.#joinInfo = options.joinInfo === undefined ? FAKE_JOIN_INFO : options.joinInfo;
    this.nodeInformer = new FakeNodeInformer(this.#store, gate);
    this.nodeOperations = new FakeNodeOperations(this.#store, gate, options.evictionRetryMs ?? 10);
    this.resourceReads = new FakeResourceReads(this.#store, gate);
    this.bootstrapTokens = new FakeBootstrapTokens(
      options.clock ?? systemClock,
      options.identity ?? "fake-agent",
      gate,
    );
    this.discovery = {
      discover: async () => {
        gate("discover", []);
        if (this.#joinInfo === null)
          throw new KubeError(CLUSTER_INFO_MISSING, { status: 404, reason: "NotFound" });
        return { ...this.#joinInfo };
      },
    };
  }

  // Nodes

  addNode(name: string, input: FakeNodeInput = {}) {
    return this.#store.create(name, input);
  }

  /** Changes what the kubelet or an operator would: readiness, labels, taints, providerID, deletion. */
  updateNode(name: string, change: FakeNodeInput): void {
    const { uid: _uid, ...rest } = change;
    this.#store.update(name, rest);
  }

  setReady(name: string, ready: boolean): void {
    this.#store.update(name, { ready });
  }

  removeNode(name: string): void {
    this.#store.remove(name);
  }

  /** The Node as stored (not through the informer). */
  node(name: string) {
    return this.#store.nodes.get(name);
  }

  // Pods

  /** `pdbBlocked`: a PodDisruptionBudget refuses its eviction until setPdbBlocked(key, false). */
  addPod(pod: V1Pod, options: { pdbBlocked?: boolean } = {}): string {
    const key = podKey(pod);
    this.#store.pods.set(key, { pod: structuredClone(pod), pdbBlocked: options.pdbBlocked ?? false });
    return key;
  }

  setPdbBlocked(key: string, blocked: boolean): void {
    const entry = this.#store.pods.get(key);
    if (!entry) throw new Error(`fake kube: no pod ${key}`);
    entry.pdbBlocked = blocked;
  }

  /** "namespace/name" of the pods on `node` (all pods when omitted). */
  pods(node?: string): string[] {
    return [...this.#store.pods.values()]
      .filter((p) => node === undefined || p.pod.spec?.nodeName === node)
      .map((p) => podKey(p.pod));
  }

  setDrainBehaviour(behaviour: DrainBehaviour): void {
    this.nodeOperations.drainBehaviour = { ...behaviour };
  }

  // Tokens and discovery

  /** Tokens that exist and have not expired by the clock. */
  tokens(): FakeToken[] {
    return this.bootstrapTokens.live();
  }

  /** A token someone else made (kubeadm token create): deleteExpired must leave it. */
  addForeignToken(id: string, secret: string, expiresAt: Date): void {
    this.bootstrapTokens.all.set(id, {
      id,
      secret,
      token: `${id}.${secret}`,
      expiresAt,
      description: "foreign",
      managed: false,
    });
  }

  setJoinInfo(info: ClusterJoinInfo | null): void {
    this.#joinInfo = info;
  }

  // Failures

  /** The next call of `method` rejects with `error` (queued: call again for the one after). */
  failNext(
    method: FakeKubeMethod,
    error: Error = new KubeError(`${method}: injected failure`, { status: 500 }),
  ): void {
    this.#failures.set(method, [...(this.#failures.get(method) ?? []), error]);
  }

  callsOf(method: FakeKubeMethod): unknown[][] {
    return this.calls.filter((c) => c.method === method).map((c) => c.args);
  }
}
