/**
 * What the agent needs from the Kubernetes API, as small interfaces: the
 * reconciler depends on these, the composition root wires the
 * @kubernetes/client-node implementations (this directory), and tests use
 * the in-memory ones under test/support/agent/.
 *
 * Errors: every method rejects with `KubeError` (kube-error.ts), which keeps
 * the HTTP status and the API server's reason, never a response body that
 * could hold a secret.
 */

import type { CordonReason, MarkOutcome } from "./cordon-mark.ts";

export type TaintEffect = "NoSchedule" | "PreferNoSchedule" | "NoExecute";

export interface NodeTaint {
  key: string;
  value?: string;
  effect: TaintEffect;
}

/** CPU in millicores and memory in bytes, as the agent reports resources. */
export interface ResourceAmounts {
  cpuMillis: number;
  memoryBytes: number;
}

/** A Node as the agent sees it: only the fields the lifecycle and the resource snapshots decide on. */
export interface NodeInfo {
  name: string;
  uid: string;
  /** spec.providerID; null when the kubelet set none */
  providerId: string | null;
  /** the Ready condition is True */
  ready: boolean;
  labels: Readonly<Record<string, string>>;
  taints: readonly NodeTaint[];
  /** spec.unschedulable (cordoned) */
  unschedulable: boolean;
  /**
   * The `ksp.io/cordoned-for` annotation (cordon-mark.ts): why the agent
   * cordoned the Node, to undo it later; null when unmarked. The only
   * annotation kept: a large cluster's annotations are not worth the memory.
   */
  cordonedFor: string | null;
  /** metadata.deletionTimestamp is set */
  deleting: boolean;
  /** status.capacity and status.allocatable cpu and memory; zero until the kubelet reports them */
  capacity: ResourceAmounts;
  allocatable: ResourceAmounts;
}

/** The agent's live view of the cluster's Nodes, kept by list + watch. */
export interface NodeWatch {
  /** true once the first full list is in */
  synced(): boolean;
  byName(name: string): NodeInfo | undefined;
  byProviderId(providerId: string): NodeInfo | undefined;
  list(): readonly NodeInfo[];
  /** called after every change the view takes in (add, update, delete, relist); returns unsubscribe */
  subscribe(listener: () => void): () => void;
}

export interface NodeInformer extends NodeWatch {
  /** lists, then watches; resolves once the first list is in (rejects only if the first list fails) */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** A kubeadm bootstrap token: `<id>.<secret>`, 6 and 16 characters of [a-z0-9]. */
export interface BootstrapToken {
  id: string;
  secret: string;
  /** `${id}.${secret}`, what kubeadm join takes */
  token: string;
  expiresAt: Date;
}

export interface BootstrapTokens {
  /** creates the `bootstrap-token-<id>` Secret in kube-system, as `kubeadm token create` does */
  create(options: { description: string; ttlMs: number }): Promise<BootstrapToken>;
  /** deletes the token's Secret; one already gone is fine */
  delete(id: string): Promise<void>;
  /** deletes the expired tokens this agent made (left behind by a crash); resolves with how many */
  deleteExpired(): Promise<number>;
  /**
   * Deletes the tokens agents made (any identity, this one's too: a process
   * of the same pod that crashed) except `keepIds`, expired or not: join
   * batches that ended with their leader's leadership or life. Operators'
   * tokens (no managed-by label) and ones whose maker cannot be told stay.
   * Resolves with how many.
   */
  deleteOrphaned(keepIds: ReadonlySet<string>): Promise<number>;
}

/** What a leader-election Lease says (coordination.k8s.io/v1 LeaseSpec). */
export interface LeaseRecord {
  /** "" when released or never held */
  holderIdentity: string;
  leaseDurationSeconds: number;
  acquireTime: Date | null;
  renewTime: Date | null;
  leaseTransitions: number;
}

export interface LeaseSnapshot {
  record: LeaseRecord;
  /** the resourceVersion it was read or written at: the precondition of the next update */
  version: string;
}

/**
 * The Lease as a compare-and-swap cell. create and update reject with
 * LeaseConflict (lease-lock.ts) when another writer got there first.
 */
export interface LeaseLock {
  /** "Lease <namespace>/<name>", for logs and messages */
  readonly description: string;
  /** the Lease as stored; null when there is none */
  get(): Promise<LeaseSnapshot | null>;
  create(record: LeaseRecord): Promise<LeaseSnapshot>;
  /** replaces the Lease read (or written) at `version` */
  update(version: string, record: LeaseRecord): Promise<LeaseSnapshot>;
}

/** What `kubeadm join` needs to find and trust the cluster. */
export interface ClusterJoinInfo {
  /** host:port of the API server, as kubeadm's apiServerEndpoint */
  apiEndpoint: string;
  /** "sha256:<hex>" of the cluster CA's SubjectPublicKeyInfo, as kubeadm's caCertHashes */
  caCertHash: string;
}

export interface ClusterDiscovery {
  /** from kube-public/cluster-info unless overridden by configuration */
  discover(): Promise<ClusterJoinInfo>;
}

export interface DrainOptions {
  /** the whole drain (evictions, PDB retries, waiting for pods to go) */
  timeoutMs: number;
  /** passed to every eviction; negative: each pod's own */
  gracePeriodSeconds: number;
  /** false: a DaemonSet pod blocks the drain (kubectl's --ignore-daemonsets) */
  ignoreDaemonSets: boolean;
  /** false: a pod with an emptyDir volume blocks the drain */
  deleteEmptyDirData: boolean;
  /** true: pods without a controller are evicted too; false: they block the drain */
  force: boolean;
  signal?: AbortSignal;
}

export interface DrainResult {
  /** pods evicted, "namespace/name" */
  evicted: string[];
  /** DaemonSet and mirror pods left in place */
  skipped: string[];
  /** evictions a PodDisruptionBudget refused (429) before they went through */
  pdbRetries: number;
}

export interface NodeOperations {
  /** sets spec.unschedulable; a Node already cordoned is fine */
  cordon(name: string): Promise<void>;
  /**
   * Evicts the Node's pods through the Eviction API and waits until they are
   * gone. Rejects with DrainError: `timeout` (pods still there at the
   * deadline, e.g. a PDB never allowed it), `blocked` (pods the options do not
   * allow to evict), `aborted` (the signal).
   */
  drain(name: string, options: DrainOptions): Promise<DrainResult>;
  /**
   * Cordons the Node and marks it cordoned for `reason` (cordon-mark.ts), in
   * one patch; safe to repeat. A Node someone else cordoned (no mark) is left
   * as it is: "foreign", and the agent will never uncordon it.
   */
  cordonWithMark(name: string, reason: CordonReason): Promise<MarkOutcome>;
  /**
   * Uncordons a Node marked cordoned for `reason` and removes the mark, in one
   * patch; resolves false (and changes nothing) for any other Node.
   */
  uncordonMarked(name: string, reason: CordonReason): Promise<boolean>;
  /** deletes the Node object (with a uid precondition when given); one already gone is fine */
  delete(name: string, options?: { uid?: string }): Promise<void>;
  /** adds the labels and taints the Node lacks (others stay); resolves with the keys it added */
  ensureLabelsAndTaints(
    name: string,
    labels: Readonly<Record<string, string>>,
    taints: readonly NodeTaint[],
  ): Promise<{ labels: string[]; taints: string[] }>;
}

/** The reads behind the agent's resource snapshots (agent/resources/), besides the Node informer. */
export interface ResourceReads {
  /** the summed effective requests of each Node's pods (bound, not Succeeded or Failed), by Node name */
  podRequestsByNode(): Promise<Map<string, ResourceAmounts>>;
  /** each Node's usage from metrics.k8s.io, by Node name; null when the cluster has no metrics API (404/503) */
  nodeUsage(): Promise<Map<string, ResourceAmounts> | null>;
}
