/**
 * Tells the control plane the agent is alive, every `intervalMs`: versions,
 * node counts and who leads. The control plane derives the cluster's health
 * from these (degraded after a minute without one, offline after five), so
 * the interval stays well under the first threshold. A failed heartbeat is
 * logged and retried at the next tick; it never stops the agent.
 */
import type { HeartbeatRequest } from "../proto/agent-api.ts";
import type { Logger } from "../shared/logger.ts";
import type { ControlPlane } from "./control-plane/types.ts";
import type { Leadership } from "./leadership.ts";

export const DEFAULT_HEARTBEAT_INTERVAL_MS = 20_000;

export interface HeartbeatDeps {
  controlPlane: ControlPlane;
  logger: Logger;
  /** who leads and since when; a replica that becomes leader beats at once, so the change shows */
  leadership: Leadership;
  agentVersion: string;
  kubernetesVersion: string;
  nodeCounts: () => HeartbeatRequest["nodeCounts"];
  intervalMs?: number;
}

export interface HeartbeatLoop {
  /** sends one heartbeat now; resolves false when it failed */
  beat(): Promise<boolean>;
  stop(): Promise<void>;
}

export function startHeartbeatLoop(deps: HeartbeatDeps): HeartbeatLoop {
  const interval = deps.intervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS;
  const logger = deps.logger.child({ component: "heartbeat" });
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight: Promise<boolean> = Promise.resolve(true);

  async function send(): Promise<boolean> {
    // the leader speaks for the cluster; a standby replica's view of "who leads" would contradict it
    const since = deps.leadership.leaderSince();
    if (!deps.leadership.isLeader() || since === null) return true;
    try {
      await deps.controlPlane.heartbeat({
        agentVersion: deps.agentVersion,
        kubernetesVersion: deps.kubernetesVersion,
        nodeCounts: deps.nodeCounts(),
        leader: { identity: deps.leadership.identity(), since: since.toISOString() },
      });
      return true;
    } catch (err) {
      logger.warn("heartbeat failed; retrying at the next tick", { err });
      return false;
    }
  }

  function beat(): Promise<boolean> {
    inFlight = inFlight.then(send);
    return inFlight;
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      void beat().finally(schedule);
    }, interval);
    timer.unref?.();
  }

  const unsubscribe = deps.leadership.subscribe((leading) => {
    if (leading && !stopped) void beat();
  });
  void beat().finally(schedule);
  return {
    beat,
    async stop() {
      stopped = true;
      unsubscribe();
      if (timer) clearTimeout(timer);
      await inFlight;
    },
  };
}
