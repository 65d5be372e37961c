/**
 * A ready machine's Node must keep its pool's labels and taints: whatever is
 * missing (removed by hand, or never set because the kubelet may not set it
 * itself) is patched back; nothing else on the Node is touched.
 */
import type { AgentMachine, AgentPool } from "../../proto/agent-api.ts";
import { nodeLabelsOf, nodeTaintsOf, providerIdOf } from "./node-spec.ts";
import { messageOf, type OperationContext } from "./operation-context.ts";
import type { OperationOutcome } from "./types.ts";

export async function completeNodeLabels(
  ctx: OperationContext,
  machine: AgentMachine,
  pool: AgentPool,
): Promise<OperationOutcome> {
  const node = ctx.deps.nodes.byProviderId(providerIdOf(machine));
  if (!node) return "succeeded";
  try {
    const added = await ctx.deps.nodeOps.ensureLabelsAndTaints(
      node.name,
      nodeLabelsOf(machine, pool),
      nodeTaintsOf(machine, pool),
    );
    if (added.labels.length + added.taints.length > 0) {
      ctx.logger.info("patched missing node labels and taints back", { node: node.name, ...added });
    }
    return "succeeded";
  } catch (err) {
    ctx.logger.warn("could not patch the node's labels and taints", { node: node.name, err: messageOf(err) });
    return "retry";
  }
}
