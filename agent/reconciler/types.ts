/**
 * The reconciler's collaborators and the shape of its operations. It is the
 * agent's only writer of lifecycle transitions besides Cluster Autoscaler's
 * RPCs: it reads the machines' statuses (the control plane's state, synced
 * into the store) and the Nodes (the informer), and moves each machine one
 * guarded transition at a time, doing the work in between.
 */
import type { MachineState } from "../../proto/machine-states.ts";
import type { Clock } from "../../shared/clock.ts";
import type { Logger } from "../../shared/logger.ts";
import type { ControlPlane } from "../control-plane/types.ts";
import type { MachineWork } from "../execution/types.ts";
import type { BootstrapTokens, ClusterDiscovery, NodeOperations, NodeWatch } from "../kubernetes/types.ts";
import type { Leadership } from "../leadership.ts";
import type { LifecycleMetrics } from "../metrics.ts";
import type { StateStore } from "../state/store.ts";
import type { TransitionQueue } from "../state/transition-queue.ts";

export interface ReconcilerDeps {
  store: StateStore;
  controlPlane: Pick<ControlPlane, "transitions">;
  nodes: NodeWatch;
  nodeOps: NodeOperations;
  tokens: BootstrapTokens;
  discovery: ClusterDiscovery;
  work: MachineWork;
  leadership: Leadership;
  clock: Clock;
  logger: Logger;
  metrics: LifecycleMetrics;
  /** asks for a sync with the control plane soon (it has news for us) */
  requestSync(): void;
  /** where reports wait while the control plane is unreachable (transitions.ts); none: they fail */
  queue?: Pick<TransitionQueue, "holds" | "enqueue">;
  /** lifetime of a join batch's bootstrap token; default 1 h */
  tokenTtlMs?: number;
  /** how often the loop looks again even when nothing changed (deadlines, retries); default 2 s */
  tickMs?: number;
  /** longest wait before a failed attempt on a machine is retried; default 30 s */
  maxRetryDelayMs?: number;
}

/**
 * join, remove (scale-down), maintenance (a maintenance drain), and two
 * checks of a ready machine's Node: labels (its pool's labels and taints)
 * and uncordon (the agent's maintenance cordon undone).
 */
export type OperationKind = "join" | "remove" | "maintenance" | "labels" | "uncordon";
/** succeeded; failed (the machine went to fault); conflict (someone else moved it); aborted; retry (try again later) */
export type OperationOutcome = "succeeded" | "failed" | "conflict" | "aborted" | "retry";

/** An operation in flight on one machine; one at a time per machine. */
export interface RunningOperation {
  kind: OperationKind;
  machineId: string;
  poolId: string;
  /** statuses the machine may be in while this runs; anything else (someone else moved it) aborts it */
  expects: readonly MachineState[];
  controller: AbortController;
}
