/** The decision before any machine is looked at: AND vs OR, usage vs allocated, cooldown. */
import { describe, expect, it } from "vitest";
import { COOLDOWN_ORDER_STATUSES } from "../../../../../../functions/services/orders/order-states.ts";
import {
  assess,
  type EvaluationInput,
} from "../../../../../../functions/services/strategies/evaluation/assess.ts";
import { cooldownDaysLeft } from "../../../../../../functions/services/strategies/evaluation/cooldown.ts";
import type { StrategyRules } from "../../../../../../functions/services/strategies/evaluation/types.ts";
import {
  cpuUsage,
  days,
  type Load,
  memoryUsage,
} from "../../../../../support/strategies/evaluation-figures.ts";

const RUN_DAY = "2026-01-10";
const LAST = "2026-01-09";

function strategy(overrides: Partial<StrategyRules> = {}): StrategyRules {
  return {
    action: "pool_entry",
    rules: [cpuUsage(80, 60), memoryUsage(85, 70)],
    logic: "or",
    durationDays: 3,
    cooldownDays: 0,
    maxDevices: 5,
    ...overrides,
  };
}

function input(
  s: StrategyRules,
  loads: (Load | null)[],
  latestOrderDay: string | null = null,
): EvaluationInput {
  return { strategy: s, runDay: RUN_DAY, snapshots: days(LAST, loads), latestOrderDay };
}

// cpu hot for 3 days, memory hot for the last day only
const CPU_HOT: Load[] = [
  { cpuUse: 90, memoryUse: 50 },
  { cpuUse: 95, memoryUse: 50 },
  { cpuUse: 90, memoryUse: 90 },
];
const BOTH_HOT: Load[] = [
  { cpuUse: 90, memoryUse: 90 },
  { cpuUse: 95, memoryUse: 90 },
  { cpuUse: 90, memoryUse: 92 },
];

describe("assess: AND vs OR", () => {
  it.each([
    ["or", CPU_HOT, "triggered", ["cpu"]],
    // cpu's own run reached the duration, but AND wants memory's too
    ["and", CPU_HOT, "below_threshold", ["cpu"]],
    ["or", BOTH_HOT, "triggered", ["cpu", "memory"]],
    ["and", BOTH_HOT, "triggered", ["cpu", "memory"]],
  ] as const)("%s with %#", (logic, loads, result, triggered) => {
    const a = assess(input(strategy({ logic }), loads));
    expect(a.result).toBe(result);
    expect(a.observed.metrics.filter((m) => m.triggered).map((m) => m.metric)).toEqual(triggered);
    expect(a.observed.metrics.map((m) => m.runDays)).toEqual(loads === CPU_HOT ? [3, 1] : [3, 3]);
  });

  it("a metric without a threshold is not considered: AND over cpu alone", () => {
    const a = assess(input(strategy({ logic: "and", rules: [cpuUsage(80, 60)] }), CPU_HOT));
    expect(a.result).toBe("triggered");
    expect(a.observed.metrics.map((m) => m.metric)).toEqual(["cpu"]);
  });

  it("the trigger is the first triggered metric's last-day value and its threshold", () => {
    const a = assess(input(strategy({ rules: [memoryUsage(85, 70), cpuUsage(80, 60)] }), CPU_HOT));
    expect(a).toMatchObject({ result: "triggered", triggerValue: 90, threshold: 80 });
  });

  it("a run one day short of the duration does not trigger", () => {
    const a = assess(input(strategy({ durationDays: 4 }), CPU_HOT));
    expect(a.result).toBe("below_threshold");
    expect(a.reason).toBe(
      "cpu usage over 80% for 3 days in a row (needs 4; last day 90%); or memory usage over 85% for 1 day in a row (needs 4; last day 90%)",
    );
  });
});

describe("assess: usage vs allocated", () => {
  // used 90 %, requested 70 %: hot by usage, not by requests
  const loads: Load[] = Array(3).fill({ cpuUse: 90, cpuRequest: 70 });
  it.each([
    ["usage", "triggered", 90],
    ["allocated", "below_threshold", 70],
  ] as const)("%s", (type, result, latest) => {
    const a = assess(input(strategy({ rules: [{ ...cpuUsage(80, 60), type }] }), loads));
    expect(a.result).toBe(result);
    expect(a.observed.metrics[0]).toMatchObject({ type, latest, runDays: type === "usage" ? 3 : 0 });
    expect(a.observed.days).toEqual([
      { day: "2026-01-07", cpu: latest },
      { day: "2026-01-08", cpu: latest },
      { day: "2026-01-09", cpu: latest },
    ]);
  });
});

describe("assess: exit strategies look for runs under the threshold", () => {
  const exit = strategy({ action: "pool_exit", rules: [cpuUsage(30, 50)], durationDays: 2 });
  it.each([
    [[{ cpuUse: 40 }, { cpuUse: 20 }, { cpuUse: 25 }], "triggered"],
    [[{ cpuUse: 20 }, { cpuUse: 20 }, { cpuUse: 35 }], "below_threshold"],
  ] as const)("%#", (loads, result) => {
    expect(assess(input(exit, [...loads])).result).toBe(result);
  });
});

describe("cooldown", () => {
  it.each([
    // latest order, cooldown days, days left
    [null, 3, 0],
    ["2026-01-08", 0, 0],
    ["2026-01-08", 2, 0],
    ["2026-01-08", 3, 1],
    ["2026-01-10", 3, 3],
    ["2026-01-07", 3, 0],
    ["2025-12-31", 30, 20],
  ] as const)("order on %s, cooldown %i days: %i left on the run day", (orderDay, cooldown, left) => {
    expect(cooldownDaysLeft(orderDay, RUN_DAY, cooldown)).toBe(left);
  });

  it("holds a pool that would have triggered", () => {
    const a = assess(input(strategy({ cooldownDays: 3 }), CPU_HOT, "2026-01-08"));
    expect(a.result).toBe("cooldown");
    expect(a.observed).toMatchObject({ latestOrderDay: "2026-01-08", cooldownDays: 3, cooldownDaysLeft: 1 });
    expect(a.reason).toMatch(
      /latest order for this pool was on 2026-01-08, within the 3 days cooldown \(1 day left\)$/,
    );
  });

  it("lets go once the cooldown has passed", () => {
    expect(assess(input(strategy({ cooldownDays: 2 }), CPU_HOT, "2026-01-08")).result).toBe("triggered");
  });

  it("reports below_threshold, not cooldown, for a pool that would not have triggered", () => {
    expect(assess(input(strategy({ logic: "and", cooldownDays: 3 }), CPU_HOT, "2026-01-09")).result).toBe(
      "below_threshold",
    );
  });

  it("counts ignored orders and not cancelled ones", () => {
    expect(COOLDOWN_ORDER_STATUSES).toContain("ignored");
    expect(COOLDOWN_ORDER_STATUSES).not.toContain("cancelled");
  });
});
