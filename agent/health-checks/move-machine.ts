/**
 * A health check moves a machine the way the reconciler does: one guarded
 * transition (reportTransition), reported to the control plane, which keeps
 * the reason on the machine and records the transition's event. A refusal
 * means someone else moved the machine first: nothing to do. An unreachable
 * control plane leaves the machine where it is; the next due check tries again.
 */
import type { AgentMachine, AgentPool } from "../../proto/agent-api.ts";
import { messageOf } from "../reconciler/operation-context.ts";
import { reportTransition, type TransitionOutcome } from "../reconciler/transitions.ts";
import type { HealthContext } from "./types.ts";

export interface HealthMove {
  to: "fault" | "available";
  reason: string;
  lastError?: string;
}

/** Resolves with the moved machine, or null when it was not moved (refused, or unreachable). */
export async function moveMachine(
  ctx: HealthContext,
  machine: AgentMachine,
  pool: AgentPool,
  move: HealthMove,
): Promise<AgentMachine | null> {
  const fields = { machineId: machine.id, host: machine.hostname, pool: pool.name, from: machine.status };
  // a check that ended after this replica stopped leading is the new leader's to repeat
  if (!ctx.deps.leadership.isLeader()) return null;
  let outcome: TransitionOutcome;
  ctx.busy.add(machine.id);
  try {
    outcome = await reportTransition(ctx.deps, machine, move);
  } catch (err) {
    ctx.logger.warn("could not report a health transition; the next check tries again", {
      ...fields,
      to: move.to,
      err: messageOf(err),
    });
    return null;
  } finally {
    ctx.busy.delete(machine.id);
  }
  if (!outcome.ok) {
    ctx.logger.info("health transition refused: the machine moved meanwhile", {
      ...fields,
      to: move.to,
      code: outcome.code,
      err: outcome.message,
    });
    return null;
  }
  ctx.deps.metrics.healthTransition(pool.name, move.to);
  const line = { ...fields, reason: move.reason };
  if (move.to === "fault") ctx.logger.warn("machine moved to fault by the health checks", line);
  else ctx.logger.info("machine moved to available by the health checks", line);
  return outcome.machine;
}
