/**
 * The health checks' collaborators and the context their parts share. They
 * run beside the reconciler, on the same store, Node view and adapters, and
 * move machines only through the reconciler's guarded transition helper.
 */
import type { Clock } from "../../shared/clock.ts";
import type { Logger } from "../../shared/logger.ts";
import type { ControlPlane } from "../control-plane/types.ts";
import type { MachineWork } from "../execution/types.ts";
import type { NodeEvents } from "../kubernetes/node-events.ts";
import type { NodeOperations, NodeWatch } from "../kubernetes/types.ts";
import type { Leadership } from "../leadership.ts";
import type { HaMetrics } from "../metrics.ts";
import type { StateStore } from "../state/store.ts";

export interface HealthChecksDeps {
  store: StateStore;
  controlPlane: Pick<ControlPlane, "transitions">;
  nodes: NodeWatch;
  nodeOps: Pick<NodeOperations, "cordon" | "delete">;
  events: NodeEvents;
  work: Pick<MachineWork, "probe" | "reset">;
  leadership: Pick<Leadership, "isLeader">;
  clock: Clock;
  logger: Logger;
  metrics: Pick<HaMetrics, "healthCheckFailure" | "healthTransition" | "zombieNode">;
  /** asks for a sync with the control plane soon (it has news for us) */
  requestSync(): void;
  /** the reconciler's operations in flight (machine id → kind): their machines are left alone meanwhile */
  running(): ReadonlyMap<string, unknown>;
  /** how often a pass looks for checks that are due; default 2 s */
  tickMs?: number;
  /** SSH probes in flight at once, all pools together; default 4 (each also takes a slot of the SSH cap) */
  probeConcurrency?: number;
  /** a zombie Node must still be one this long after it was first seen; default 10 s */
  zombieConfirmMs?: number;
}

export interface HealthChecks {
  /** passes every `tickMs` from now on */
  start(): void;
  /** aborts probes and resets in flight and waits (bounded) for them to end */
  stop(): Promise<void>;
  /** a pass soon */
  trigger(): void;
  /** one pass now (started or not); resolves once the probes, transitions and zombie actions it started ended */
  pass(): Promise<void>;
}

/** What the parts (ssh-probes, node-readiness, zombie-guard) share. */
export interface HealthContext {
  deps: HealthChecksDeps;
  logger: Logger;
  /** machine ids a health transition or a zombie removal is working on: no other check touches them */
  busy: Set<string>;
}
