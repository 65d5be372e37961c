/**
 * A machine whose lifecycle step failed or ran out of time goes to `fault`,
 * with the reason and the failed step's masked output (the control plane
 * keeps both on the machine and in its event). After a failed join the host
 * is cleaned: reset when SSH reached it, and its Node (if one registered)
 * deleted, so a fault never leaves a half-joined kubelet behind. A failed
 * removal is left as it is for the operator to look at.
 */
import type { AgentMachine, AgentPool } from "../../proto/agent-api.ts";
import { nodeNameOrHostname, providerIdOf } from "./node-spec.ts";
import { messageOf, type OperationContext } from "./operation-context.ts";
import { reportTransition } from "./transitions.ts";
import type { OperationOutcome } from "./types.ts";

export interface FaultDetails {
  reason: string;
  /** the failed step, for lastError */
  step?: string;
  outputTail?: string;
  /** reset the host and delete its Node afterwards (a failed join that reached the host) */
  cleanup: boolean;
}

const CLEANUP_TIMEOUT_MS = 10 * 60_000;

export async function faultMachine(
  ctx: OperationContext,
  machine: AgentMachine,
  pool: AgentPool,
  details: FaultDetails,
): Promise<OperationOutcome> {
  const { deps, op, logger } = ctx;
  const lastError = [details.step ? `${details.step}: ${details.reason}` : details.reason, details.outputTail]
    .filter((part) => part && part.trim() !== "")
    .join("\n");
  const moved = await reportTransition(deps, machine, { to: "fault", reason: details.reason, lastError });
  if (!moved.ok) return "conflict";
  logger.warn("machine moved to fault", { from: machine.status, reason: details.reason, step: details.step });
  if (details.cleanup) {
    op.expects = ["fault"];
    deps.metrics.operation(pool.name, "cleanup", await cleanUp(ctx, moved.machine, pool));
  }
  return "failed";
}

async function cleanUp(
  ctx: OperationContext,
  machine: AgentMachine,
  pool: AgentPool,
): Promise<"succeeded" | "failed" | "aborted"> {
  const { deps, op, logger } = ctx;
  const providerId = providerIdOf(machine);
  const nodeName = nodeNameOrHostname(machine);
  const timeout = Math.min(pool.lifecycle.resetTimeoutSeconds * 1000, CLEANUP_TIMEOUT_MS);
  const signal = AbortSignal.any([op.controller.signal, AbortSignal.timeout(timeout)]);
  const reset = await deps.work.reset(
    { machine, poolName: pool.name, nodeName, providerId, hooks: pool.hooks },
    signal,
  );
  if (op.controller.signal.aborted) return "aborted";
  if (!reset.ok) {
    logger.warn("could not reset the host after its failed join", {
      step: reset.failure.step,
      err: reset.failure.message,
    });
  }
  const node = deps.nodes.byProviderId(providerId);
  if (node) {
    try {
      await deps.nodeOps.delete(node.name, { uid: node.uid });
    } catch (err) {
      logger.warn("could not delete the node of a failed join", { node: node.name, err: messageOf(err) });
      return "failed";
    }
  }
  return reset.ok ? "succeeded" : "failed";
}
