/**
 * PricingNodePrice: the pool's hourly price × the hours asked about. A node
 * is priced by its pool: found as an instance, or — for the template nodes
 * CA prices when it compares groups — by the pool label we put on them.
 * No price known → null (the transport answers Unimplemented).
 */
import type { AgentView } from "../state/view.ts";
import { resolveNode } from "./lookup.ts";
import { POOL_LABEL } from "./template-node.ts";
import type { CaNode } from "./types.ts";

const HOUR_MS = 3_600_000;

export function nodePrice(view: AgentView, node: CaNode, start: Date, end: Date): number | null {
  const pool = resolveNode(view, node)?.pool ?? view.poolsByName.get(node.labels[POOL_LABEL] ?? "");
  const price = pool?.group ? pool.pool.hourlyPrice : null;
  if (price === null || price === undefined) return null;
  const hours = Math.max(0, end.getTime() - start.getTime()) / HOUR_MS;
  return price * hours;
}
