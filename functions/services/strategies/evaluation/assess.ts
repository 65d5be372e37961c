/**
 * Step one of an evaluation, before any machine is looked at: has the pool
 * been past the strategy's thresholds long enough (AND/OR across the metrics
 * it considers), and is the strategy out of its cooldown? Pure: the job
 * reads the figures, this decides, the job writes the row.
 *
 * A pool that never got past its thresholds is `below_threshold` whatever
 * its cooldown; cooldown is reported only for a pool that would otherwise
 * have been acted on, so the history says why nothing happened.
 */
import { cooldownDaysLeft } from "./cooldown.ts";
import { addDays } from "./days.ts";
import { runPastThreshold } from "./threshold-run.ts";
import type { DailyFigures, Metric, MetricRule, StrategyRules } from "./types.ts";
import { roundPercent, utilisationPercent } from "./utilisation.ts";

/** Runs are counted this far back at least, so the history shows runs longer than the duration. */
export const MIN_LOOKBACK_DAYS = 30;

export interface EvaluationInput {
  strategy: StrategyRules;
  /** the run's UTC day (its run key); its last complete day is the day before */
  runDay: string;
  /** the pool's daily rows, any order; days outside the lookback are ignored */
  snapshots: readonly DailyFigures[];
  /** the UTC day of the latest capacity order for the cluster and pool that counts toward cooldown */
  latestOrderDay: string | null;
}

export interface MetricObservation extends MetricRule {
  /** consecutive days past the threshold up to the last day (capped at the lookback) */
  runDays: number;
  /** utilisation on the last day, null without figures */
  latest: number | null;
  triggered: boolean;
}

/** What the evaluation saw, stored as the history row's `observed`. */
export interface Observed {
  lastDay: string;
  durationDays: number;
  logic: StrategyRules["logic"];
  metrics: MetricObservation[];
  /** utilisation of each considered metric on each of the last `durationDays` days, oldest first */
  days: ({ day: string } & Partial<Record<Metric, number | null>>)[];
  latestOrderDay: string | null;
  cooldownDays: number;
  cooldownDaysLeft: number;
}

export interface Triggered {
  result: "triggered";
  observed: Observed;
  reason: string;
  /** the last day's figures: the device count starts from them */
  latest: DailyFigures;
  /** the rules whose run reached the duration (with AND: every rule) */
  triggered: MetricRule[];
  /** the first triggered metric's value on the last day, and its threshold: the order's trigger */
  triggerValue: number;
  threshold: number;
}

export type Assessment =
  | { result: "below_threshold" | "cooldown"; observed: Observed; reason: string }
  | Triggered;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

export function describeRun(strategy: StrategyRules, m: MetricObservation): string {
  const side = strategy.action === "pool_entry" ? "over" : "under";
  const latest = m.latest === null ? "no figures" : `${roundPercent(m.latest)}%`;
  return `${m.metric} ${m.type} ${side} ${m.threshold}% for ${plural(m.runDays, "day")} in a row (needs ${strategy.durationDays}; last day ${latest})`;
}

export function assess(input: EvaluationInput): Assessment {
  const { strategy, runDay } = input;
  const lastDay = addDays(runDay, -1);
  const byDay = new Map(input.snapshots.map((s) => [s.day, s]));
  const lookback = Math.max(strategy.durationDays, MIN_LOOKBACK_DAYS);
  const latestFigures = byDay.get(lastDay);

  const metrics: MetricObservation[] = strategy.rules.map((rule) => {
    const runDays = runPastThreshold({ action: strategy.action, rule, byDay, lastDay, maxDays: lookback });
    const latest = latestFigures ? utilisationPercent(latestFigures, rule.metric, rule.type) : null;
    return { ...rule, runDays, latest, triggered: runDays >= strategy.durationDays };
  });
  const triggered = metrics.filter((m) => m.triggered);
  const fires = strategy.logic === "and" ? triggered.length === metrics.length : triggered.length > 0;
  const left = cooldownDaysLeft(input.latestOrderDay, runDay, strategy.cooldownDays);

  const days: Observed["days"] = [];
  for (let i = strategy.durationDays - 1; i >= 0; i--) {
    const day = addDays(lastDay, -i);
    const figures = byDay.get(day);
    const entry: Observed["days"][number] = { day };
    for (const rule of strategy.rules) {
      entry[rule.metric] = figures ? roundPercent(utilisationPercent(figures, rule.metric, rule.type)) : null;
    }
    days.push(entry);
  }
  const observed: Observed = {
    lastDay,
    durationDays: strategy.durationDays,
    logic: strategy.logic,
    metrics: metrics.map((m) => ({ ...m, latest: roundPercent(m.latest) })),
    days,
    latestOrderDay: input.latestOrderDay,
    cooldownDays: strategy.cooldownDays,
    cooldownDaysLeft: left,
  };
  const runs = metrics
    .map((m) => describeRun(strategy, m))
    .join(metrics.length > 1 ? `; ${strategy.logic} ` : "");

  if (!fires) return { result: "below_threshold", observed, reason: runs };
  if (left > 0) {
    return {
      result: "cooldown",
      observed,
      reason: `${runs}; but the latest order for this pool was on ${input.latestOrderDay}, within the ${plural(strategy.cooldownDays, "day")} cooldown (${plural(left, "day")} left)`,
    };
  }
  const first = triggered[0]!;
  return {
    result: "triggered",
    observed,
    reason: runs,
    // a triggered run has at least the last day, so its figures exist
    latest: latestFigures!,
    triggered: triggered.map(({ metric, type, threshold, target }) => ({ metric, type, threshold, target })),
    triggerValue: roundPercent(first.latest)!,
    threshold: first.threshold,
  };
}
