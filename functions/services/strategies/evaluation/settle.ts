/**
 * Step two, for a pool that triggered and is out of cooldown: given the
 * candidate machines (in the order they are taken), how many the order asks
 * for, or why there is no order.
 *
 *  - entry without candidates: no_stock (nothing in the free inventory fits);
 *  - exit without candidates: no_stock (no machine of the pool may leave);
 *  - exit where even one machine leaving would push a metric over its target:
 *    below_threshold with that reason (the pool is idle, but too small to shrink);
 *  - otherwise order_created with the first `count` candidates.
 */
import type { Observed, Triggered } from "./assess.ts";
import { type DeviceCount, entryDeviceCount, exitDeviceCount } from "./device-count.ts";
import type { CandidateMachine, Metric, StrategyRules } from "./types.ts";
import { capacityOf, NO_CHANGE, plus, roundPercent, utilisationPercent } from "./utilisation.ts";

export interface SettledObserved extends Observed {
  candidates: number;
  deviceCount: number;
  /** utilisation per metric on the last day with the order's machines added or removed */
  projected: Partial<Record<Metric, number | null>>;
  reachesTarget: boolean;
}

export type Settlement =
  | {
      result: "order_created";
      machines: CandidateMachine[];
      reason: string;
      observed: SettledObserved;
      triggerValue: number;
      threshold: number;
    }
  | { result: "no_stock" | "below_threshold"; reason: string; observed: SettledObserved };

function describeProjection(strategy: StrategyRules, counted: DeviceCount): string {
  return strategy.rules
    .filter((r) => r.metric in counted.projected)
    .map(
      (r) =>
        `${r.metric} ${roundPercent(counted.projected[r.metric] ?? null) ?? "n/a"}% (target ${r.target}%)`,
    )
    .join(", ");
}

export function settle(
  strategy: StrategyRules,
  triggered: Triggered,
  candidates: readonly CandidateMachine[],
): Settlement {
  const entry = strategy.action === "pool_entry";
  const counted = entry
    ? entryDeviceCount(triggered.latest, triggered.triggered, candidates, strategy.maxDevices)
    : exitDeviceCount(triggered.latest, strategy.rules, candidates, strategy.maxDevices);
  const observed: SettledObserved = {
    ...triggered.observed,
    candidates: candidates.length,
    deviceCount: counted.count,
    projected: Object.fromEntries(
      Object.entries(counted.projected).map(([metric, value]) => [metric, roundPercent(value ?? null)]),
    ),
    reachesTarget: counted.reachesTarget,
  };
  if (candidates.length === 0) {
    const where = entry
      ? "no free machine matches the entry template, the extra conditions and the pool's hardware requirements"
      : "no ready or available machine of the pool matches the exit template and the extra conditions";
    return { result: "no_stock", reason: `${triggered.reason}; but ${where}`, observed };
  }
  if (counted.count === 0) {
    return {
      result: "below_threshold",
      reason: `${triggered.reason}; but no machine can leave: the first would take ${describeExitLimit(strategy, triggered, candidates[0]!)}`,
      observed,
    };
  }
  const verb = entry ? "adding" : "removing";
  const outcome = counted.reachesTarget
    ? `${verb} ${counted.count} brings ${describeProjection(strategy, counted)}`
    : `${verb} ${counted.count} (the most allowed: max ${strategy.maxDevices}, ${candidates.length} candidates) brings ${describeProjection(strategy, counted)}`;
  return {
    result: "order_created",
    machines: candidates.slice(0, counted.count),
    reason: `${triggered.reason}; ${outcome}`,
    observed,
    triggerValue: triggered.triggerValue,
    threshold: triggered.threshold,
  };
}

/** Which metrics the first removal would push past their target, for the reason. */
function describeExitLimit(strategy: StrategyRules, triggered: Triggered, first: CandidateMachine): string {
  const change = first.inPoolFigures ? plus(NO_CHANGE, capacityOf(first), -1) : NO_CHANGE;
  return strategy.rules
    .map((r) => ({ rule: r, value: utilisationPercent(triggered.latest, r.metric, r.type, change) }))
    .filter(({ rule, value }) => value === null || value > rule.target)
    .map(({ rule, value }) =>
      value === null
        ? `${rule.metric} (no allocatable left)`
        : `${rule.metric} to ${roundPercent(value)}% (target ${rule.target}%)`,
    )
    .join(" and ");
}
