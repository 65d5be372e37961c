/**
 * The Node of every `ready` machine, looked at once per the pool's
 * `healthProbeIntervalSeconds` (from the informer's view, no API call): a
 * Node that is NotReady, being deleted, or gone counts as a failed check,
 * and `healthFailureThreshold` of them in a row (so NotReady for about
 * threshold − 1 intervals, at least) move the machine to fault. A Ready
 * Node ends the streak. A machine the reconciler is working on (its labels
 * being completed) is not looked at meanwhile.
 *
 * Cluster Autoscaler then sees the machine as an instance with errorInfo
 * (agent/state/instances.ts), the way it sees a failed join.
 */

import type { AgentMachine, AgentPool } from "../../proto/agent-api.ts";
import type { NodeInfo } from "../kubernetes/types.ts";
import { providerIdOf } from "../reconciler/node-spec.ts";
import { HEALTH_REASON_PREFIX } from "../state/instances.ts";
import type { AgentView } from "../state/view.ts";
import { moveMachine } from "./move-machine.ts";
import { Streaks } from "./streaks.ts";
import type { HealthContext } from "./types.ts";

export interface NodeReadiness {
  /** looks at the Nodes that are due; resolves each transition's promise when it ended */
  pass(view: AgentView, now: number): Promise<void>[];
  reset(): void;
}

function problemOf(machine: AgentMachine, node: NodeInfo | undefined): string | null {
  if (!node) return `no Node with providerID ${providerIdOf(machine)}`;
  if (node.deleting) return `node ${node.name} is being deleted`;
  if (!node.ready) return `node ${node.name} is NotReady`;
  return null;
}

export function createNodeReadiness(ctx: HealthContext): NodeReadiness {
  const { deps } = ctx;
  const streaks = new Streaks();

  function check(machine: AgentMachine, pool: AgentPool, now: number): Promise<void> | null {
    const intervalSeconds = pool.lifecycle.healthProbeIntervalSeconds;
    if (!streaks.due(machine, now, intervalSeconds * 1000)) return null;
    streaks.started(machine, now);
    const problem = problemOf(machine, deps.nodes.byProviderId(providerIdOf(machine)));
    if (problem === null) {
      streaks.passed(machine);
      return null;
    }
    deps.metrics.healthCheckFailure(pool.name, "node-ready");
    const streak = streaks.failed(machine);
    const threshold = pool.lifecycle.healthFailureThreshold;
    ctx.logger.info("node readiness check failed", {
      machineId: machine.id,
      pool: pool.name,
      failures: streak.failures,
      threshold,
      problem,
    });
    if (streak.failures < threshold) return null;
    const reason =
      `${HEALTH_REASON_PREFIX}${problem} at ${streak.failures} checks in a row, ${intervalSeconds} s apart ` +
      `(threshold ${threshold})`;
    return moveMachine(ctx, machine, pool, { to: "fault", reason, lastError: reason }).then(() => {});
  }

  return {
    pass(view, now) {
      const moves: Promise<void>[] = [];
      const watched = new Set<string>();
      const running = deps.running();
      for (const { pool, machines } of view.pools) {
        for (const machine of machines) {
          if (machine.status !== "ready") continue;
          watched.add(machine.id);
          if (running.has(machine.id) || ctx.busy.has(machine.id)) continue;
          const move = check(machine, pool, now);
          if (move) moves.push(move);
        }
      }
      streaks.retain(watched);
      return moves;
    },
    reset() {
      streaks.clear();
    },
  };
}
