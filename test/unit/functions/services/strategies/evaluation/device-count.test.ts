/**
 * Entry and exit device counts against hand-computed values. The pool:
 * 10 cores (10,000 m) and 1,000 bytes allocatable on the last day.
 */
import { describe, expect, it } from "vitest";
import type { Triggered } from "../../../../../../functions/services/strategies/evaluation/assess.ts";
import {
  entryDeviceCount,
  exitDeviceCount,
} from "../../../../../../functions/services/strategies/evaluation/device-count.ts";
import { settle } from "../../../../../../functions/services/strategies/evaluation/settle.ts";
import type {
  CandidateMachine,
  StrategyRules,
} from "../../../../../../functions/services/strategies/evaluation/types.ts";
import { cpuUsage, day, memoryUsage } from "../../../../../support/strategies/evaluation-figures.ts";

let n = 0;
function machine(cpuCores: number, memoryBytes: number, inPoolFigures = false): CandidateMachine {
  n++;
  return { id: `m${n}`, hostname: `host-${n}`, cpuCores, memoryBytes, inPoolFigures };
}
const machines = (count: number, cpuCores: number, memoryBytes: number, inPoolFigures = false) =>
  Array.from({ length: count }, () => machine(cpuCores, memoryBytes, inPoolFigures));

describe("entry: the smallest n that brings every triggered metric to its target", () => {
  // cpu used 90 %, memory used 95 %
  const latest = day("2026-01-09", { cpuUse: 90, memoryUse: 95 });
  it.each([
    // 9,000 / (10,000 + 4,000) = 64.29 % ≤ 70
    ["one 4-core machine is enough", [cpuUsage(80, 70)], machines(3, 4, 0), 10, 1, { cpu: 64.29 }, true],
    // 9,000 / 12,000 = 75 % > 70; 9,000 / 14,000 = 64.29 %
    ["2-core machines: two", [cpuUsage(80, 70)], machines(3, 2, 0), 10, 2, { cpu: 64.29 }, true],
    // memory 950 / 1,200 = 79.17, / 1,400 = 67.86, / 1,600 = 59.375 ≤ 60; cpu reached at 2 already
    [
      "every triggered metric must reach its target: memory needs three",
      [cpuUsage(80, 70), memoryUsage(90, 60)],
      machines(5, 2, 200),
      10,
      3,
      { cpu: 56.25, memory: 59.375 },
      true,
    ],
    // capped at 2: 9,000 / 14,000, 950 / 1,400
    [
      "capped by maxDevices, short of the target",
      [cpuUsage(80, 70), memoryUsage(90, 60)],
      machines(5, 2, 200),
      2,
      2,
      { cpu: 64.29, memory: 67.86 },
      false,
    ],
    ["capped by the candidates there are", [cpuUsage(80, 70)], machines(1, 2, 0), 10, 1, { cpu: 75 }, false],
    // taken in the order given: 9,000 / 11,000 = 81.82, then / 19,000 = 47.37
    [
      "candidates are taken in their order, not sorted by size",
      [cpuUsage(80, 70)],
      [machine(1, 0), machine(8, 0), machine(16, 0)],
      10,
      2,
      { cpu: 47.37 },
      true,
    ],
  ])("%s", (_name, rules, candidates, max, count, projected, reaches) => {
    const result = entryDeviceCount(latest, rules, candidates, max);
    expect(result.count).toBe(count);
    expect(result.reachesTarget).toBe(reaches);
    for (const [metric, value] of Object.entries(projected)) {
      expect(result.projected[metric as "cpu" | "memory"]).toBeCloseTo(value, 2);
    }
  });
});

describe("exit: the largest n that keeps every considered metric at or under its target", () => {
  // cpu used 20 %, memory used 45 %
  const latest = day("2026-01-09", { cpuUse: 20, memoryUse: 45 });
  it.each([
    // 2,000 / 8,000 = 25, / 6,000 = 33.3, / 4,000 = 50 ≤ 50, / 2,000 = 100 > 50
    ["ready 2-core machines: three", [cpuUsage(30, 50)], machines(5, 2, 0, true), 10, 3, { cpu: 50 }],
    ["capped by maxDevices", [cpuUsage(30, 50)], machines(5, 2, 0, true), 2, 2, { cpu: 33.33 }],
    // available machines are not Nodes: taking them away changes nothing
    [
      "an available machine leaves for free",
      [cpuUsage(30, 50)],
      [machine(2, 0, false), ...machines(4, 2, 0, true)],
      10,
      4,
      { cpu: 50 },
    ],
    // memory 450 / 900 = 50 ≤ 50, / 800 = 56.25 > 50: memory holds the count at one
    [
      "a metric that did not trigger still bounds the count",
      [cpuUsage(30, 50), memoryUsage(30, 50)],
      machines(5, 2, 100, true),
      10,
      1,
      { cpu: 25, memory: 50 },
    ],
    // the only Node: taking it leaves nothing to divide by
    ["never the pool's last capacity", [cpuUsage(30, 50)], machines(1, 10, 0, true), 10, 0, { cpu: 20 }],
  ])("%s", (_name, rules, candidates, max, count, projected) => {
    const result = exitDeviceCount(latest, rules, candidates, max);
    expect(result.count).toBe(count);
    for (const [metric, value] of Object.entries(projected)) {
      expect(result.projected[metric as "cpu" | "memory"]).toBeCloseTo(value, 2);
    }
  });
});

describe("settle", () => {
  const entry: StrategyRules = {
    action: "pool_entry",
    rules: [cpuUsage(80, 70)],
    logic: "or",
    durationDays: 3,
    cooldownDays: 0,
    maxDevices: 5,
  };
  const triggered = (cpuUse: number): Triggered => ({
    result: "triggered",
    observed: {
      lastDay: "2026-01-09",
      durationDays: 3,
      logic: "or",
      metrics: [],
      days: [],
      latestOrderDay: null,
      cooldownDays: 0,
      cooldownDaysLeft: 0,
    },
    reason: "hot",
    latest: day("2026-01-09", { cpuUse }),
    triggered: [cpuUsage(80, 70)],
    triggerValue: cpuUse,
    threshold: 80,
  });

  it("orders the first n candidates", () => {
    const candidates = machines(3, 2, 0);
    const s = settle(entry, triggered(90), candidates);
    expect(s).toMatchObject({ result: "order_created", triggerValue: 90, threshold: 80 });
    expect(s.result === "order_created" && s.machines.map((m) => m.id)).toEqual(
      candidates.slice(0, 2).map((m) => m.id),
    );
    expect(s.reason).toBe("hot; adding 2 brings cpu 64.29% (target 70%)");
    expect(s.observed).toMatchObject({ candidates: 3, deviceCount: 2, reachesTarget: true });
  });

  it("no candidates: no_stock", () => {
    expect(settle(entry, triggered(90), [])).toMatchObject({
      result: "no_stock",
      observed: { candidates: 0 },
    });
    const exit = { ...entry, action: "pool_exit" as const, rules: [cpuUsage(30, 50)] };
    expect(settle(exit, triggered(20), []).result).toBe("no_stock");
  });

  it("exit where no machine can leave: below_threshold, saying why", () => {
    const exit = { ...entry, action: "pool_exit" as const, rules: [cpuUsage(30, 50)] };
    const s = settle(exit, triggered(20), machines(2, 8, 0, true));
    expect(s.result).toBe("below_threshold");
    // 2,000 / 2,000 = 100 %
    expect(s.reason).toBe("hot; but no machine can leave: the first would take cpu to 100% (target 50%)");
  });
});
