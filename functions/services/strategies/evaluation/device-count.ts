/**
 * How many machines an order asks for, from the pool's figures on the last
 * day of the run and the candidates' real capacity (cores × 1000 millicores
 * and memory bytes added to, or taken from, allocatable; the load stays what
 * it was). Candidates are taken in the order given, which is stable, so the
 * count and the machines chosen are the same on every delivery.
 *
 * Entry: the smallest n that brings every metric that triggered to its target
 * or under. Only those: adding capacity can only lower the others. When even
 * every candidate the cap allows falls short, the order takes them all
 * (the most the strategy may do) and says how far it got.
 *
 * Exit: the largest n that keeps every metric the strategy considers at its
 * target or under. All of them, not only those that triggered: taking
 * capacity away raises every metric, and an exit must not push the other one
 * over. A candidate that is not a Node of the pool (an available machine)
 * takes no capacity away; and no removal may leave the pool without
 * allocatable.
 *
 * Both are capped by the strategy's maxDevices and by the candidates there are.
 */
import type { CandidateMachine, DailyFigures, Metric, MetricRule } from "./types.ts";
import { type CapacityChange, capacityOf, NO_CHANGE, plus, utilisationPercent } from "./utilisation.ts";

export interface DeviceCount {
  count: number;
  /** utilisation per metric with `count` machines added or removed */
  projected: Partial<Record<Metric, number | null>>;
  /** entry: whether `count` machines reach every target (false: capped short of it) */
  reachesTarget: boolean;
}

function project(latest: DailyFigures, rules: readonly MetricRule[], change: CapacityChange) {
  const projected: Partial<Record<Metric, number | null>> = {};
  let withinTarget = true;
  for (const rule of rules) {
    const value = utilisationPercent(latest, rule.metric, rule.type, change);
    projected[rule.metric] = value;
    if (value === null || value > rule.target) withinTarget = false;
  }
  return { projected, withinTarget };
}

export function entryDeviceCount(
  latest: DailyFigures,
  triggered: readonly MetricRule[],
  candidates: readonly CandidateMachine[],
  maxDevices: number,
): DeviceCount {
  const cap = Math.min(maxDevices, candidates.length);
  let added = NO_CHANGE;
  let last = project(latest, triggered, added);
  for (let n = 1; n <= cap; n++) {
    added = plus(added, capacityOf(candidates[n - 1]!));
    last = project(latest, triggered, added);
    if (last.withinTarget) return { count: n, projected: last.projected, reachesTarget: true };
  }
  return { count: cap, projected: last.projected, reachesTarget: cap > 0 && last.withinTarget };
}

export function exitDeviceCount(
  latest: DailyFigures,
  considered: readonly MetricRule[],
  candidates: readonly CandidateMachine[],
  maxDevices: number,
): DeviceCount {
  const cap = Math.min(maxDevices, candidates.length);
  let removed = NO_CHANGE;
  let kept = project(latest, considered, removed);
  let count = 0;
  for (let n = 1; n <= cap; n++) {
    const machine = candidates[n - 1]!;
    const next = machine.inPoolFigures ? plus(removed, capacityOf(machine), -1) : removed;
    const after = project(latest, considered, next);
    if (!after.withinTarget) break;
    removed = next;
    kept = after;
    count = n;
  }
  return { count, projected: kept.projected, reachesTarget: kept.withinTarget };
}
