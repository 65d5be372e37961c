/** Consecutive runs past a threshold, counted back from the last day, and what breaks them. */
import { describe, expect, it } from "vitest";
import type { PoolAction } from "../../../../../../drizzle/schema/index.ts";
import { runPastThreshold } from "../../../../../../functions/services/strategies/evaluation/threshold-run.ts";
import type {
  DailyFigures,
  MetricRule,
} from "../../../../../../functions/services/strategies/evaluation/types.ts";
import { cpuUsage, days, type Load } from "../../../../../support/strategies/evaluation-figures.ts";

const LAST = "2026-01-09";
const hot = (cpuUse: number): Load => ({ cpuUse });

function run(action: PoolAction, rule: MetricRule, snapshots: DailyFigures[], maxDays = 30): number {
  return runPastThreshold({
    action,
    rule,
    byDay: new Map(snapshots.map((s) => [s.day, s])),
    lastDay: LAST,
    maxDays,
  });
}

describe("runPastThreshold", () => {
  const entry = cpuUsage(80, 60);
  const exit = cpuUsage(30, 50);
  it.each([
    ["five hot days in a row", [90, 90, 90, 90, 90].map(hot), 5],
    ["a day under the threshold three days back breaks the run", [90, 90, 70, 90, 90].map(hot), 2],
    ["a day exactly at the threshold is not over it", [90, 90, 80, 90].map(hot), 1],
    ["the last day under: no run, however hot before", [90, 90, 90, 50].map(hot), 0],
    ["a missing day breaks the run", [hot(90), hot(90), null, hot(90)], 1],
    ["a missing last day: no run", [hot(90), hot(90), hot(90), null], 0],
    ["no allocatable on the last day: no figures, no run", [hot(90), { cpuUse: 90, allocatableCpu: 0 }], 0],
    ["only the days there are", [90, 95].map(hot), 2],
  ])("entry: %s", (_name, loads, expected) => {
    expect(run("pool_entry", entry, days(LAST, loads))).toBe(expected);
  });

  it.each([
    ["idle for four days", [20, 20, 20, 20].map(hot), 4],
    ["a busy day breaks it", [20, 40, 20, 20].map(hot), 2],
    ["exactly at the threshold is not under it", [20, 30, 20].map(hot), 1],
    ["an empty pool (no load) is under any positive threshold", [0, 0].map(hot), 2],
  ])("exit: %s", (_name, loads, expected) => {
    expect(run("pool_exit", exit, days(LAST, loads))).toBe(expected);
  });

  it("stops counting at maxDays", () => {
    expect(run("pool_entry", entry, days(LAST, Array(40).fill(hot(90))), 30)).toBe(30);
  });

  it("counts usage or requests as the rule says", () => {
    const snapshots = days(LAST, [
      { cpuUse: 90, cpuRequest: 50 },
      { cpuUse: 90, cpuRequest: 85 },
    ]);
    expect(run("pool_entry", entry, snapshots)).toBe(2);
    expect(run("pool_entry", { ...entry, type: "allocated" }, snapshots)).toBe(1);
  });
});
