/**
 * The drain every removal and every maintenance drain goes through: cordon
 * (as the caller says: plainly for a Node that is going away, with the
 * agent's mark for one that comes back), then evict the pods through the
 * Eviction API (PodDisruptionBudgets respected, refusals retried) within the
 * pool's drain timeout, counted from when the machine became `draining`, so
 * a resumed drain keeps its budget. A drain that is blocked or runs out of
 * time moves the machine to `fault`, the Node left cordoned, for the operator.
 */
import type { AgentMachine, AgentPool } from "../../proto/agent-api.ts";
import { DrainError, isNotFound } from "../kubernetes/kube-error.ts";
import type { NodeInfo } from "../kubernetes/types.ts";
import { faultMachine } from "./fault.ts";
import { providerIdOf } from "./node-spec.ts";
import { messageOf, type OperationContext, seconds } from "./operation-context.ts";
import type { OperationOutcome } from "./types.ts";

export async function drainNode(
  ctx: OperationContext,
  machine: AgentMachine,
  pool: AgentPool,
  cordon: (nodeName: string) => Promise<void>,
): Promise<"drained" | OperationOutcome> {
  const { deps, op, logger } = ctx;
  const node = findNode(ctx, machine);
  if (!node || node.deleting) return "drained";
  const since = Date.parse(machine.statusChangedAt);
  const deadline = since + pool.drain.timeoutSeconds * 1000;
  const startedAt = deps.clock.now().getTime();
  try {
    await cordon(node.name);
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
export function findNode(ctx: OperationContext, machine: AgentMachine): NodeInfo | undefined {
  const { nodes } = ctx.deps;
  const byProvider = nodes.byProviderId(providerIdOf(machine));
  if (byProvider) return byProvider;
  const byName = machine.nodeName ? nodes.byName(machine.nodeName) : undefined;
  // a Node of that name registered by someone else (another providerID) is not ours to touch
  return byName && (byName.providerId === null || byName.providerId === providerIdOf(machine))
    ? byName
    : undefined;
}
