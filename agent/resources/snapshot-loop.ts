/**
 * Pushes the cluster's resource figures to the control plane every
 * `intervalMs` (5 minutes): per pool and for the whole cluster, the Nodes'
 * capacity and allocatable (Node informer), their pods' requests (a pod
 * list) and their usage (metrics-server). The control plane keeps them as
 * raw snapshots, shows the latest on the cluster and rolls them up daily.
 *
 * Only the leader pushes: every replica sees the same cluster, so a second
 * push would only double the samples. The first push comes shortly after
 * start rather than at once, so the start-up's own calls (state, Node list,
 * gRPC) are not queued behind a large cluster's pod list, yet the cluster
 * shows figures within seconds instead of after a whole interval.
 *
 * A cluster without metrics-server reports zero usage, said once at debug
 * level; a failed metrics read (say, RBAC) also reports zero, with a
 * warning when it starts failing. Any other failure skips the push, is
 * logged and is retried at the next tick; it never stops the agent.
 */
import type { Clock } from "../../shared/clock.ts";
import type { Logger } from "../../shared/logger.ts";
import type { ControlPlane } from "../control-plane/types.ts";
import type { NodeWatch, ResourceAmounts, ResourceReads } from "../kubernetes/types.ts";
import type { Leadership } from "../leadership.ts";
import type { StateStore } from "../state/store.ts";
import { buildSnapshot } from "./build-snapshot.ts";
import { poolOfNode } from "./pool-of-node.ts";

export const DEFAULT_SNAPSHOT_INTERVAL_MS = 5 * 60_000;
export const DEFAULT_FIRST_SNAPSHOT_DELAY_MS = 10_000;

export interface SnapshotLoopDeps {
  controlPlane: Pick<ControlPlane, "snapshots">;
  leadership: Pick<Leadership, "isLeader">;
  nodes: Pick<NodeWatch, "synced" | "list">;
  store: Pick<StateStore, "view">;
  reads: ResourceReads;
  clock: Clock;
  logger: Logger;
  intervalMs?: number;
  firstDelayMs?: number;
}

export interface SnapshotLoop {
  /** measures and pushes one snapshot now (the leader only); resolves false when it failed */
  push(): Promise<boolean>;
  /** no push starts after this; resolves once the one in flight, if any, is done */
  stop(): Promise<void>;
}

type UsageSource = "unknown" | "metrics" | "absent" | "failing";

export function startSnapshotLoop(deps: SnapshotLoopDeps): SnapshotLoop {
  const interval = deps.intervalMs ?? DEFAULT_SNAPSHOT_INTERVAL_MS;
  const logger = deps.logger.child({ component: "snapshots" });
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight: Promise<boolean> = Promise.resolve(true);
  let usageSource: UsageSource = "unknown";

  /** Usage never fails the push: without figures it is zero, said once per change rather than every tick. */
  async function usage(): Promise<ReadonlyMap<string, ResourceAmounts> | null> {
    let source: UsageSource;
    let figures: ReadonlyMap<string, ResourceAmounts> | null = null;
    let failure: unknown;
    try {
      figures = await deps.reads.nodeUsage();
      source = figures === null ? "absent" : "metrics";
    } catch (err) {
      source = "failing";
      failure = err;
    }
    if (source !== usageSource) {
      if (source === "absent")
        logger.debug("no metrics.k8s.io API (metrics-server) in the cluster; usage is zero");
      if (source === "failing")
        logger.warn("cannot read node metrics; usage is zero until it can", { err: failure });
      if (source === "metrics" && usageSource !== "unknown") logger.info("node metrics readable again");
      usageSource = source;
    }
    return figures;
  }

  async function send(): Promise<boolean> {
    // a standby replica stays quiet; an unsynced informer would report an empty cluster
    if (stopped || !deps.leadership.isLeader() || !deps.nodes.synced()) return true;
    try {
      const capturedAt = deps.clock.now();
      const [requests, used] = await Promise.all([deps.reads.podRequestsByNode(), usage()]);
      const view = deps.store.view();
      const request = buildSnapshot({
        capturedAt,
        nodes: deps.nodes.list(),
        poolIds: view.pools.map((p) => p.pool.id),
        poolOf: poolOfNode(view),
        requests,
        usage: used,
      });
      await deps.controlPlane.snapshots(request);
      return true;
    } catch (err) {
      logger.warn("resource snapshot failed; retrying at the next tick", { err });
      return false;
    }
  }

  function push(): Promise<boolean> {
    inFlight = inFlight.then(send);
    return inFlight;
  }

  function schedule(delay: number): void {
    if (stopped) return;
    timer = setTimeout(() => {
      void push().finally(() => schedule(interval));
    }, delay);
    timer.unref?.();
  }

  schedule(deps.firstDelayMs ?? DEFAULT_FIRST_SNAPSHOT_DELAY_MS);
  return {
    push,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await inFlight;
    },
  };
}
