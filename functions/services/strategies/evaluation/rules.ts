/** A strategy row's thresholds as the rules the evaluation applies. */
import type { Strategy } from "../../../../drizzle/schema/index.ts";
import type { MetricRule, StrategyRules } from "./types.ts";

export type StrategyRuleFields = Pick<
  Strategy,
  | "action"
  | "cpuThreshold"
  | "cpuThresholdType"
  | "cpuTarget"
  | "memoryThreshold"
  | "memoryThresholdType"
  | "memoryTarget"
  | "conditionLogic"
  | "durationDays"
  | "cooldownDays"
  | "maxDevices"
>;

/** cpu, then memory; a metric without a threshold (or target) is not considered. */
export function strategyRules(s: StrategyRuleFields): StrategyRules {
  const rules: MetricRule[] = [];
  if (s.cpuThreshold !== null && s.cpuTarget !== null) {
    rules.push({ metric: "cpu", type: s.cpuThresholdType, threshold: s.cpuThreshold, target: s.cpuTarget });
  }
  if (s.memoryThreshold !== null && s.memoryTarget !== null) {
    rules.push({
      metric: "memory",
      type: s.memoryThresholdType,
      threshold: s.memoryThreshold,
      target: s.memoryTarget,
    });
  }
  return {
    action: s.action,
    rules,
    logic: s.conditionLogic,
    durationDays: s.durationDays,
    cooldownDays: s.cooldownDays,
    maxDevices: s.maxDevices,
  };
}
