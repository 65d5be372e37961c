/**
 * The agent's domain assembled: state store, sync loop and the
 * CloudProviderService, plus what the probes and metrics need. The
 * lifecycle reconciler is wired next to it (agent/lifecycle.ts), on the
 * same store. The
 * composition root (main.ts) and the test harnesses build it the same way;
 * only the ControlPlane, Clock and Leadership they pass differ.
 */
import type { Clock } from "../shared/clock.ts";
import type { Logger } from "../shared/logger.ts";
import { createCloudProviderService } from "./cloud-provider/service.ts";
import type { CloudProviderService } from "./cloud-provider/types.ts";
import type { ControlPlane } from "./control-plane/types.ts";
import type { Readiness } from "./health.ts";
import type { Leadership } from "./leadership.ts";
import type { HaMetrics } from "./metrics.ts";
import { createStateStore, type StateStore } from "./state/store.ts";
import { createSyncLoop } from "./state/sync-loop.ts";
import {
  createTransitionQueue,
  type TransitionQueue,
  type TransitionQueuePersistence,
} from "./state/transition-queue.ts";

export interface AgentCoreDeps {
  controlPlane: ControlPlane;
  clock: Clock;
  logger: Logger;
  leadership: Leadership;
  gpuLabel: string;
  syncIntervalMs: number;
  /** longest poll interval while nothing changes (--sync-max-interval); default: no backoff */
  syncMaxIntervalMs?: number;
  /**
   * Queue the lifecycle's transition reports while the control plane is
   * unreachable, persisted here (agent/state/transition-queue.ts); without
   * it such a report fails and its operation is retried later.
   */
  transitionQueue?: {
    persistence: TransitionQueuePersistence;
    metrics?: Pick<HaMetrics, "setTransitionsQueued">;
    capacity?: number;
  };
}

export interface PoolMetrics {
  name: string;
  ready: number;
  creating: number;
  deleting: number;
  target: number;
  min: number;
  max: number;
}

export interface AgentCoreMetrics {
  /** seconds since the last successful sync; null before the first */
  syncAgeSeconds: number | null;
  /** the node groups (enabled pools) */
  pools: PoolMetrics[];
  /** machines per pool and status, every pool */
  machines: { pool: string; status: string; count: number }[];
}

export interface AgentCore {
  service: CloudProviderService;
  /** the cluster view CA is answered from; the lifecycle reconciler reads and updates it too */
  store: StateStore;
  /** reports waiting for the control plane (the reconciler queues behind it); null when not configured */
  queue: TransitionQueue | null;
  /** asks for a sync with the control plane soon, without waiting for it */
  requestSync(): void;
  /**
   * Loads the persisted transition queue, then the first sync (its failure
   * is not fatal: readiness waits for a success), then polling
   */
  start(): Promise<void>;
  stop(): Promise<void>;
  readiness(): Readiness;
  metrics(): AgentCoreMetrics;
}

export function createAgentCore(deps: AgentCoreDeps): AgentCore {
  const logger = deps.logger.child({ component: "agent-core" });
  const store = createStateStore();
  const queue = deps.transitionQueue
    ? createTransitionQueue({
        store,
        controlPlane: deps.controlPlane,
        persistence: deps.transitionQueue.persistence,
        clock: deps.clock,
        logger,
        leadership: deps.leadership,
        ...(deps.transitionQueue.metrics ? { metrics: deps.transitionQueue.metrics } : {}),
        ...(deps.transitionQueue.capacity ? { capacity: deps.transitionQueue.capacity } : {}),
      })
    : null;
  const sync = createSyncLoop({
    controlPlane: deps.controlPlane,
    store,
    clock: deps.clock,
    logger,
    intervalMs: deps.syncIntervalMs,
    ...(deps.syncMaxIntervalMs ? { idleMaxIntervalMs: deps.syncMaxIntervalMs } : {}),
    ...(queue ? { queue } : {}),
  });
  const service = createCloudProviderService({
    store,
    controlPlane: deps.controlPlane,
    leadership: deps.leadership,
    clock: deps.clock,
    logger,
    gpuLabel: deps.gpuLabel,
    sync: (opts) => sync.trigger(opts),
  });

  return {
    service,
    store,
    queue,
    requestSync: () => void sync.trigger(),
    async start() {
      // before the first sync and before the reconciler's first pass: a restart keeps what was queued
      await queue?.start();
      await sync.start();
    },
    async stop() {
      queue?.stop();
      await sync.stop();
    },
    readiness() {
      if (sync.lastSuccessAt() !== null) return { ready: true };
      const why = sync.lastError();
      return {
        ready: false,
        reason: why
          ? `no state from the control plane yet: ${why}`
          : "waiting for the first state from the control plane",
      };
    },
    metrics() {
      const last = sync.lastSuccessAt();
      const pools = store.view().pools.flatMap((p): PoolMetrics[] => {
        if (!p.group) return [];
        const creating = p.instances.filter((i) => i.info.state === "creating").length;
        return [
          {
            name: p.pool.name,
            ready: p.counts.ready,
            creating,
            deleting: p.counts.draining + p.counts.leaving,
            target: p.targetSize,
            min: p.pool.minSize,
            max: p.pool.maxSize,
          },
        ];
      });
      const machines = store
        .view()
        .pools.flatMap((p) =>
          Object.entries(p.counts).map(([status, count]) => ({ pool: p.pool.name, status, count })),
        );
      return {
        syncAgeSeconds: last ? Math.max(0, (deps.clock.now().getTime() - last.getTime()) / 1000) : null,
        pools,
        machines,
      };
    },
  };
}
