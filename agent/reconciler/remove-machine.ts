/**
 * Scale-down of one machine, in the order that keeps a kubelet from coming
 * back: cordon → drain (Eviction API: PodDisruptionBudgets are respected,
 * refusals retried until the pool's drain timeout) → draining → leaving
 * (written ahead of the reset) → the reset pipeline (stops the kubelet,
 * cleans the host) → delete the Node → leaving → available.
 *
 * A cancelled join arrives here as `leaving` without a Node and goes straight
 * to the reset. Deadlines run from the status change, so a resumed removal
 * keeps its budget. A drain or reset that fails or runs out of time moves
 * the machine to `fault` (the Node stays cordoned) for the operator.
 */
import type { AgentMachine, AgentPool } from "../../proto/agent-api.ts";
import { isNotFound } from "../kubernetes/kube-error.ts";
import { drainNode, findNode } from "./drain-node.ts";
import { faultMachine } from "./fault.ts";
import { nodeNameOrHostname, providerIdOf } from "./node-spec.ts";
import { messageOf, type OperationContext, seconds, untilDeadline } from "./operation-context.ts";
import { reportTransition } from "./transitions.ts";
import type { OperationOutcome } from "./types.ts";

export async function removeMachine(
  ctx: OperationContext,
  machine: AgentMachine,
  pool: AgentPool,
): Promise<OperationOutcome> {
  const { deps, op, logger } = ctx;
  let current = machine;
  if (current.status === "draining") {
    const drained = await drainNode(ctx, current, pool, (name) => deps.nodeOps.cordon(name));
    if (drained !== "drained") return drained;
    const moved = await reportTransition(deps, current, {
      to: "leaving",
      reason: "agent: drained; resetting the host",
    });
    if (!moved.ok) return "conflict";
    current = moved.machine;
    op.expects = ["leaving"];
  }

  const since = Date.parse(current.statusChangedAt);
  const resetDeadline = since + pool.lifecycle.resetTimeoutSeconds * 1000;
  const providerId = providerIdOf(current);
  const signal = untilDeadline(ctx, resetDeadline);
  const reset = await deps.work.reset(
    {
      machine: current,
      poolName: pool.name,
      nodeName: nodeNameOrHostname(current),
      providerId,
      hooks: pool.hooks,
    },
    signal,
  );
  if (op.controller.signal.aborted) return "aborted";
  if (!reset.ok) {
    if (reset.failure.transient) {
      ctx.problem = `${reset.failure.step}: ${reset.failure.message}`;
      return "retry";
    }
    const { step, errorClass, message, outputTail } = reset.failure;
    const reason = signal.aborted
      ? `reset did not finish within ${seconds(resetDeadline - since)} (resetTimeoutSeconds); it was at ${step}`
      : `reset failed at ${step} (${errorClass}): ${message}`;
    return faultMachine(ctx, current, pool, { reason, step, outputTail, cleanup: false });
  }

  // Only now, with the kubelet stopped, can the Node go without coming back.
  const node = findNode(ctx, current);
  if (node) {
    try {
      await deps.nodeOps.delete(node.name, { uid: node.uid });
    } catch (err) {
      if (!isNotFound(err)) {
        ctx.problem = messageOf(err);
        logger.warn("could not delete the node; retrying later", { node: node.name, err: ctx.problem });
        return "retry";
      }
    }
  }
  const freed = await reportTransition(deps, current, {
    to: "available",
    reason: "agent: reset and removed",
  });
  if (!freed.ok) return "conflict";
  op.expects = ["available"];
  logger.info("machine removed", { node: node?.name ?? null });
  return "succeeded";
}
