/**
 * The rules a whole strategy must keep (services/strategies/strategy-rules.ts),
 * and how a change merges into a stored strategy (strategy-input.ts): every
 * refusal is a validation_failed naming the offending field in bracket form.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { isAppError } from "../../../../../functions/lib/errors.ts";
import {
  mergeStrategy,
  newStrategySettings,
} from "../../../../../functions/services/strategies/strategy-input.ts";
import {
  checkStrategySettings,
  type StrategySettings,
} from "../../../../../functions/services/strategies/strategy-rules.ts";

const entry = (overrides: Partial<StrategySettings> = {}): StrategySettings => ({
  ...newStrategySettings({
    name: "hot-gpu",
    action: "pool_entry",
    durationDays: 7,
    maxDevices: 4,
    cpu: { threshold: 80, target: 60 },
  }),
  ...overrides,
});

/** The path the refusal names, or null when the strategy passes. */
function refusalPath(s: StrategySettings): string | null {
  try {
    checkStrategySettings(s);
    return null;
  } catch (err) {
    if (!isAppError(err) || err.code !== "validation_failed") throw err;
    expect(err.message.startsWith(`${err.details?.path}: `)).toBe(true);
    return err.details?.path as string;
  }
}

describe("strategy rules", () => {
  it("accepts an entry strategy with a target below its threshold, and fills the defaults", () => {
    const s = entry();
    expect(refusalPath(s)).toBeNull();
    expect(s).toMatchObject({
      cpu: { threshold: 80, type: "usage", target: 60 },
      memory: null,
      conditionLogic: "or",
      cooldownDays: 0,
      scope: { clusterIds: [], poolIds: [] },
      entryTemplateId: null,
      exitTemplateId: null,
      extraConditions: [],
      status: "enabled",
    });
  });

  it.each([
    [
      "entry, target equal to threshold",
      "pool_entry",
      { threshold: 70, type: "usage", target: 70 },
      "cpu.target",
    ],
    [
      "entry, target above threshold",
      "pool_entry",
      { threshold: 70, type: "usage", target: 75 },
      "cpu.target",
    ],
    ["exit, target below threshold", "pool_exit", { threshold: 30, type: "usage", target: 20 }, "cpu.target"],
    [
      "exit, target equal to threshold",
      "pool_exit",
      { threshold: 30, type: "usage", target: 30 },
      "cpu.target",
    ],
    ["a threshold over 100", "pool_entry", { threshold: 100.5, type: "usage", target: 50 }, "cpu.threshold"],
    ["a negative target", "pool_entry", { threshold: 50, type: "usage", target: -1 }, "cpu.target"],
    ["a NaN threshold", "pool_entry", { threshold: Number.NaN, type: "usage", target: 5 }, "cpu.threshold"],
    ["an unknown type", "pool_entry", { threshold: 80, type: "requested", target: 50 }, "cpu.type"],
  ] as const)("refuses %s", (_what, action, cpu, path) => {
    expect(refusalPath(entry({ action, cpu: cpu as StrategySettings["cpu"] }))).toBe(path);
  });

  it("accepts an exit strategy with a target above its threshold, and the bounds 0 and 100", () => {
    expect(
      refusalPath(entry({ action: "pool_exit", cpu: { threshold: 0, type: "allocated", target: 100 } })),
    ).toBeNull();
    expect(refusalPath(entry({ cpu: { threshold: 100, type: "usage", target: 0 } }))).toBeNull();
  });

  it("checks memory as it checks cpu, and needs at least one metric", () => {
    const memory = { threshold: 60, type: "allocated" as const, target: 70 };
    expect(refusalPath(entry({ cpu: null, memory }))).toBe("memory.target");
    expect(refusalPath(entry({ action: "pool_exit", cpu: null, memory }))).toBeNull();
    expect(refusalPath(entry({ cpu: null, memory: null }))).toBe("cpu");
  });

  it.each([
    ["durationDays", { durationDays: 0 }],
    ["durationDays", { durationDays: 367 }],
    ["durationDays", { durationDays: 1.5 }],
    ["cooldownDays", { cooldownDays: -1 }],
    ["maxDevices", { maxDevices: 0 }],
    ["name", { name: "  " }],
    ["conditionLogic", { conditionLogic: "xor" as never }],
    ["status", { status: "paused" as never }],
    ["action", { action: "grow" as never }],
    ["entryTemplateId", { entryTemplateId: "not-an-id" }],
  ] as [string, Partial<StrategySettings>][])("refuses a bad %s", (path, overrides) => {
    expect(refusalPath(entry(overrides))).toBe(path);
  });

  it("names the scope entry at fault", () => {
    const id = randomUUID();
    expect(refusalPath(entry({ scope: { clusterIds: [id, "nope"], poolIds: [] } }))).toBe(
      "scope.clusterIds[1]",
    );
    expect(refusalPath(entry({ scope: { clusterIds: [], poolIds: [id, id] } }))).toBe("scope.poolIds[1]");
  });

  it("checks extra conditions as template groups, naming the block", () => {
    const extraConditions = [
      {
        logic: "and" as const,
        blocks: [
          { type: "device" as const, key: "cpuCores", operator: "gte" as const, value: 8 },
          { type: "device" as const, key: "cpuCores", operator: "like" as never, value: 8 },
        ],
      },
    ];
    expect(refusalPath(entry({ extraConditions }))).toBe("extraConditions[0].blocks[1].operator");
  });
});

describe("merging a change into a strategy", () => {
  it("keeps what the change leaves out, replaces metrics and scope whole, and drops a metric on null", () => {
    const current = entry({
      memory: { threshold: 90, type: "allocated", target: 70 },
      scope: { clusterIds: [randomUUID()], poolIds: [randomUUID()] },
    });
    const merged = mergeStrategy(current, {
      cpu: { threshold: 85, target: 65 },
      memory: null,
      scope: { poolIds: [] },
      maxDevices: 9,
    });
    expect(merged).toEqual({
      ...current,
      cpu: { threshold: 85, type: "usage", target: 65 },
      memory: null,
      scope: { clusterIds: [], poolIds: [] },
      maxDevices: 9,
    });
  });

  it("lets an action change break the target rule, which the check then refuses", () => {
    expect(refusalPath(mergeStrategy(entry(), { action: "pool_exit" }))).toBe("cpu.target");
  });
});
