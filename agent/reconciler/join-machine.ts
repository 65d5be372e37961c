/**
 * Scale-up of one machine: reserved → joining (written ahead, before SSH
 * touches the host) → the preflight and join pipelines with the batch's
 * bootstrap token and the machine's provider ID → a Ready Node with that
 * provider ID → its labels and taints complete → joining → ready.
 *
 * Deadlines come from the pool and run from the moment the machine became
 * `joining`, so a join resumed after a restart keeps its original budget:
 * the pipelines must end within `joinTimeoutSeconds`, the Node must be Ready
 * within `registrationTimeoutSeconds` after that. A failure or a missed
 * deadline moves the machine to `fault` with the reason and the failed
 * step's masked output, then the host is reset and any Node it registered is
 * deleted, so no half-joined kubelet is left behind.
 */
import type { AgentMachine, AgentPool } from "../../proto/agent-api.ts";
import type { WorkFailure } from "../execution/types.ts";
import { faultMachine } from "./fault.ts";
import {
  kubeletLabels,
  nodeLabelsOf,
  nodeNameOf,
  nodeTaintsOf,
  providerIdOf,
  requirementsOf,
} from "./node-spec.ts";
import { messageOf, type OperationContext, seconds, untilDeadline } from "./operation-context.ts";
import type { TokenLease } from "./token-batch.ts";
import { reportTransition } from "./transitions.ts";
import type { OperationOutcome } from "./types.ts";
import { waitForReadyNode } from "./wait-for-node.ts";

export async function joinMachine(
  ctx: OperationContext,
  machine: AgentMachine,
  pool: AgentPool,
  lease: TokenLease,
): Promise<OperationOutcome> {
  const { deps, op, logger } = ctx;
  const startedAt = deps.clock.now().getTime();
  const providerId = providerIdOf(machine);
  let current = machine;
  if (current.status === "reserved") {
    const moved = await reportTransition(deps, current, {
      to: "joining",
      reason: "agent: joining the cluster",
    });
    if (!moved.ok) return "conflict";
    current = moved.machine;
  }
  const since = Date.parse(current.statusChangedAt);
  const joinDeadline = since + pool.lifecycle.joinTimeoutSeconds * 1000;
  const registrationMs = pool.lifecycle.registrationTimeoutSeconds * 1000;

  let nodeName: string;
  try {
    nodeName = nodeNameOf(current);
  } catch (err) {
    return faultMachine(ctx, current, pool, { reason: `cannot join: ${messageOf(err)}`, cleanup: false });
  }
  const labels = nodeLabelsOf(current, pool);
  const taints = nodeTaintsOf(current, pool);

  // Resumed after a restart with the Node already Ready: nothing left to run on the host.
  let node = deps.nodes.byProviderId(providerId);
  if (!node?.ready) {
    if (deps.clock.now().getTime() >= joinDeadline) {
      const last = ctx.previousProblem ? `; the last attempt could not start: ${ctx.previousProblem}` : "";
      return faultMachine(ctx, current, pool, {
        reason: `join did not finish within ${seconds(joinDeadline - since)} (joinTimeoutSeconds)${last}`,
        cleanup: true,
      });
    }
    let token: string;
    let cluster: Awaited<ReturnType<typeof deps.discovery.discover>>;
    try {
      cluster = await deps.discovery.discover();
      token = await lease.token();
    } catch (err) {
      ctx.problem = messageOf(err);
      logger.warn("cannot prepare the join; retrying later", { err: ctx.problem });
      return "retry";
    }
    const signal = untilDeadline(ctx, joinDeadline);
    const outcome = await deps.work
      .join(
        {
          machine: current,
          poolName: pool.name,
          nodeName,
          providerId,
          cluster,
          token,
          kubeletLabels: kubeletLabels(labels),
          taints,
          hooks: pool.hooks,
          requirements: requirementsOf(pool),
          prepareHosts: pool.prepareHosts,
          kubeadmConfigVersion: pool.lifecycle.kubeadmConfigVersion,
        },
        signal,
      )
      .finally(() => lease.release());
    if (op.controller.signal.aborted) return "aborted";
    if (!outcome.ok) {
      if (outcome.failure.transient) {
        ctx.problem = `${outcome.failure.step}: ${outcome.failure.message}`;
        return "retry";
      }
      return faultMachine(
        ctx,
        current,
        pool,
        joinFailure(outcome.failure, signal.aborted, joinDeadline - since),
      );
    }
    // from the end of this join, and never past the whole budget a resumed join started with
    const readyDeadline = Math.min(deps.clock.now().getTime(), joinDeadline) + registrationMs;
    try {
      node =
        (await waitForReadyNode(deps.nodes, providerId, readyDeadline, deps.clock, op.controller.signal)) ??
        undefined;
    } catch {
      return "aborted";
    }
    if (!node) {
      return faultMachine(ctx, current, pool, {
        reason:
          `no Ready Node with providerID ${providerId} within ${seconds(registrationMs)} ` +
          "of the join (registrationTimeoutSeconds): check the kubelet on the host",
        cleanup: true,
      });
    }
  } else {
    lease.release();
  }

  try {
    const added = await deps.nodeOps.ensureLabelsAndTaints(node.name, labels, taints);
    if (added.labels.length + added.taints.length > 0) logger.info("node labels and taints completed", added);
  } catch (err) {
    // the node serves without them meanwhile; the loop patches them in once the API lets it
    logger.warn("could not complete the node's labels and taints; will retry", { err: messageOf(err) });
  }
  const ready = await reportTransition(deps, current, {
    to: "ready",
    reason: "agent: node registered and Ready",
    nodeName: node.name,
  });
  if (!ready.ok) return "conflict";
  deps.metrics.joinSeconds(pool.name, (deps.clock.now().getTime() - startedAt) / 1000);
  logger.info("machine joined", { node: node.name, providerId });
  return "succeeded";
}

function joinFailure(failure: WorkFailure, timedOut: boolean, budgetMs: number) {
  const where = `${failure.step} (${failure.errorClass})`;
  const reason = timedOut
    ? `join did not finish within ${seconds(budgetMs)} (joinTimeoutSeconds); it was at ${where}`
    : failure.errorClass === "host-key"
      ? `host key refused: ${failure.message}`
      : `join failed at ${where}: ${failure.message}`;
  return { reason, outputTail: failure.outputTail, step: failure.step, cleanup: failure.touchedHost };
}
