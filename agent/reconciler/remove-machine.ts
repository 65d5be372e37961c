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
import { DrainError, isNotFound } from "../kubernetes/kube-error.ts";
import type { NodeInfo } from "../kubernetes/types.ts";
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
    const drained = await drainNode(ctx, current, pool);
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

/** Cordon and drain within the pool's drain timeout (from when the machine became `draining`). */
async function drainNode(
  ctx: OperationContext,
  machine: AgentMachine,
  pool: AgentPool,
): Promise<"drained" | OperationOutcome> {
  const { deps, op, logger } = ctx;
  const node = findNode(ctx, machine);
  if (!node || node.deleting) return "drained";
  const since = Date.parse(machine.statusChangedAt);
  const deadline = since + pool.drain.timeoutSeconds * 1000;
  const startedAt = deps.clock.now().getTime();
  try {
    await deps.nodeOps.cordon(node.name);
    const result = await deps.nodeOps.drain(node.name, {
      timeoutMs: Math.max(0, deadline - startedAt),
      gracePeriodSeconds: pool.drain.gracePeriodSeconds,
      ignoreDaemonSets: pool.drain.ignoreDaemonSets,
      deleteEmptyDirData: pool.drain.deleteEmptyDirData,
      force: pool.drain.force,
      signal: op.controller.signal,
    });
    deps.metrics.drainSeconds(pool.name, (deps.clock.now().getTime() - startedAt) / 1000);
    logger.info("node drained", {
      node: node.name,
      evicted: result.evicted.length,
      skipped: result.skipped.length,
      pdbRetries: result.pdbRetries,
    });
    return "drained";
  } catch (err) {
    if (op.controller.signal.aborted) return "aborted";
    if (isNotFound(err)) return "drained"; // the Node went meanwhile: nothing left to drain
    if (err instanceof DrainError && err.failure !== "aborted") {
      const reason =
        err.failure === "timeout"
          ? `drain did not finish within ${seconds(deadline - since)} (drain.timeoutSeconds): ${err.message}`
          : `drain blocked: ${err.message}`;
      return faultMachine(ctx, machine, pool, { reason, step: "drain", cleanup: false });
    }
    ctx.problem = messageOf(err);
    logger.warn("cordon or drain failed; retrying later", { node: node.name, err: ctx.problem });
    return "retry";
  }
}

/** The machine's Node: by provider ID (what the kubelet registered with), else by the name we recorded. */
function findNode(ctx: OperationContext, machine: AgentMachine): NodeInfo | undefined {
  const { nodes } = ctx.deps;
  const byProvider = nodes.byProviderId(providerIdOf(machine));
  if (byProvider) return byProvider;
  const byName = machine.nodeName ? nodes.byName(machine.nodeName) : undefined;
  // a Node of that name registered by someone else (another providerID) is not ours to delete
  return byName && (byName.providerId === null || byName.providerId === providerIdOf(machine))
    ? byName
    : undefined;
}
