/** Finding node groups and nodes in the view, and the guards every RPC shares. */
import { AgentError } from "../errors.ts";
import type { Leadership } from "../leadership.ts";
import type { AgentView, PoolInstance, PoolView } from "../state/view.ts";
import type { CaNode } from "./types.ts";

export type ResolvedInstance = PoolInstance & { pool: PoolView };

/** The enabled pool named `groupId`, or NotFound. */
export function requireGroup(
  view: AgentView,
  groupId: string,
): PoolView & { group: NonNullable<PoolView["group"]> } {
  const pool = view.poolsByName.get(groupId);
  if (pool?.group) return pool as PoolView & { group: NonNullable<PoolView["group"]> };
  const known = view.nodeGroups.map((g) => g.id);
  const listed = known.length > 10 ? `${known.slice(0, 10).join(", ")}, …` : known.join(", ");
  const why = pool ? "its pool has autoscaling disabled" : `known: ${listed || "none"}`;
  throw new AgentError("not_found", `node group "${groupId}" not found (${why})`, { groupId });
}

/**
 * A node's instance: by providerID, then by node name. A fake node (an
 * instance that never registered) has name = providerID = instance id, so
 * the name is tried as a providerID too.
 */
export function resolveNode(view: AgentView, node: CaNode): ResolvedInstance | undefined {
  if (node.providerId) {
    const byProvider = view.instancesByProviderId.get(node.providerId);
    if (byProvider) return byProvider;
  }
  if (!node.name) return undefined;
  return view.instancesByNodeName.get(node.name) ?? view.instancesByProviderId.get(node.name);
}

/** How a node is named in messages: its name, else its providerID. */
export const nodeLabel = (node: CaNode): string => node.name || node.providerId || "<unnamed>";

/** Only the leader mutates; Unavailable makes CA retry, by then through the Service to the leader. */
export function requireLeader(leadership: Leadership, what: string): void {
  if (leadership.isLeader()) return;
  const leader = leadership.currentLeader();
  const who = leader ? `${leader} leads` : "no replica leads right now";
  throw new AgentError(
    "unavailable",
    `${what}: this agent (${leadership.identity()}) is not the leader (${who}); retry against the leader`,
    leader ? { leader } : undefined,
  );
}

export function requireInteger(delta: number, what: string): void {
  if (!Number.isSafeInteger(delta)) {
    throw new AgentError("invalid_argument", `${what}: delta must be an integer, got ${delta}`, { delta });
  }
}
