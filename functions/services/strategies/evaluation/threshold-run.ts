/**
 * How many days in a row, ending on the run's last day, a pool has been past
 * a metric's threshold: over it for an entry strategy (utilisation >
 * threshold), under it for an exit strategy (utilisation < threshold).
 *
 * Counted back from `lastDay` (the day before the run: the last complete day
 * with a daily row). The run stops at the first day that is not past the
 * threshold: one on the other side, one exactly at it, one without a daily
 * row (the agent was silent, or the roll-up has not run), or one with no
 * allocatable to divide by. So a missing last day means a run of 0: the
 * evaluation never acts on figures older than yesterday.
 */
import type { PoolAction } from "../../../../drizzle/schema/index.ts";
import { addDays } from "./days.ts";
import type { DailyFigures, MetricRule } from "./types.ts";
import { utilisationPercent } from "./utilisation.ts";

/** Entry strategies act on a pool running hot, exit strategies on one running idle. */
export function isPastThreshold(action: PoolAction, utilisation: number, threshold: number): boolean {
  return action === "pool_entry" ? utilisation > threshold : utilisation < threshold;
}

export function runPastThreshold(opts: {
  action: PoolAction;
  rule: MetricRule;
  byDay: ReadonlyMap<string, DailyFigures>;
  lastDay: string;
  /** stop counting here: the run is at least this long, which is all the decision needs */
  maxDays: number;
}): number {
  let days = 0;
  let day = opts.lastDay;
  while (days < opts.maxDays) {
    const figures = opts.byDay.get(day);
    const value = figures ? utilisationPercent(figures, opts.rule.metric, opts.rule.type) : null;
    if (value === null || !isPastThreshold(opts.action, value, opts.rule.threshold)) break;
    days++;
    day = addDays(day, -1);
  }
  return days;
}
