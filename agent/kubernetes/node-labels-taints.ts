/**
 * What ensureLabelsAndTaints must add: labels absent or with another value
 * (the pool's value wins), and taints whose key+effect the Node lacks (a
 * Node's taints are identified by key and effect; a different value on the
 * same pair is the operator's and stays).
 */
import type { NodeTaint } from "./types.ts";

/** How an added taint is reported: kubectl's `key:Effect`. */
export const taintId = (taint: { key: string; effect: string }) => `${taint.key}:${taint.effect}`;

export function missingLabels(
  current: Readonly<Record<string, string>> | undefined,
  wanted: Readonly<Record<string, string>>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(wanted)) if (current?.[key] !== value) out[key] = value;
  return out;
}

export function missingTaints(
  current: readonly { key: string; effect: string }[] | undefined,
  wanted: readonly NodeTaint[],
): NodeTaint[] {
  const present = new Set((current ?? []).map(taintId));
  const out: NodeTaint[] = [];
  for (const taint of wanted) {
    if (present.has(taintId(taint))) continue;
    present.add(taintId(taint));
    out.push(taint.value === undefined ? { key: taint.key, effect: taint.effect } : { ...taint });
  }
  return out;
}
