/**
 * Which of the cluster's pools a Node belongs to: the pool of the machine
 * whose provider ID the Node carries (the kubelet's --provider-id, fixed when
 * the machine was reserved). A Node without a provider ID is matched by the
 * node name a machine reported instead; a Node whose provider ID is no
 * machine of ours is in no pool (it still counts for the whole cluster).
 */
import type { NodeInfo } from "../kubernetes/types.ts";
import { providerIdOf } from "../state/instances.ts";
import type { AgentView } from "../state/view.ts";

export type PoolOfNode = (node: NodeInfo) => string | null;

export function poolOfNode(view: AgentView): PoolOfNode {
  const byProviderId = new Map<string, string>();
  const byNodeName = new Map<string, string>();
  for (const machine of view.machinesById.values()) {
    // only pools the view holds: a snapshot naming another would be refused whole
    if (machine.poolId === null || !view.poolsById.has(machine.poolId)) continue;
    byProviderId.set(providerIdOf(machine), machine.poolId);
    if (machine.nodeName) byNodeName.set(machine.nodeName, machine.poolId);
  }
  return (node) =>
    node.providerId !== null
      ? (byProviderId.get(node.providerId) ?? null)
      : (byNodeName.get(node.name) ?? null);
}
