/** What a check's result means for a cluster: the four API server statuses. */
import type { ApiServerStatus } from "../../../drizzle/schema/cluster-states.ts";
import type { ProbeResult } from "../../lib/kube-probe/types.ts";

/**
 * healthy: reachable and every Node Ready; degraded: reachable but a Node is
 * not Ready, or there are no Nodes at all (nothing can run); unauthorized:
 * the credentials were refused (401/403); unreachable: anything else.
 */
export function apiServerStatusOf(result: ProbeResult): ApiServerStatus {
  if (!result.reachable) return result.kind;
  const { total, ready } = result.nodes;
  return total > 0 && ready === total ? "healthy" : "degraded";
}

/** Why a reachable cluster is degraded, kept as its error; null when it is healthy. */
export function degradedReason(result: ProbeResult): string | null {
  if (!result.reachable) return result.error;
  const { total, ready } = result.nodes;
  if (total === 0) return "the cluster has no Nodes";
  if (ready < total) return `${total - ready} of ${total} Nodes are not Ready`;
  return null;
}
