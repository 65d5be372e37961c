/**
 * A `ready` machine whose Node still carries the agent's maintenance mark
 * (its maintenance is over, or the maintenance drain was called off):
 * uncordon it and remove the mark, in one patch, so it takes pods again.
 * Only a marked Node is touched — an operator's own cordon has no mark and
 * stays — and a Node whose mark went meanwhile is left as it is.
 */
import type { AgentMachine } from "../../proto/agent-api.ts";
import { findNode } from "./drain-node.ts";
import { MAINTENANCE_REASON } from "./maintain-machine.ts";
import { messageOf, type OperationContext } from "./operation-context.ts";
import type { OperationOutcome } from "./types.ts";

export async function uncordonNode(ctx: OperationContext, machine: AgentMachine): Promise<OperationOutcome> {
  const node = findNode(ctx, machine);
  if (!node || node.deleting) return "succeeded";
  try {
    if (await ctx.deps.nodeOps.uncordonMarked(node.name, MAINTENANCE_REASON)) {
      ctx.logger.info("node back in service: uncordoned after maintenance", { node: node.name });
    }
    return "succeeded";
  } catch (err) {
    ctx.problem = messageOf(err);
    ctx.logger.warn("could not uncordon the node after maintenance; retrying later", {
      node: node.name,
      err: ctx.problem,
    });
    return "retry";
  }
}
