/**
 * A strategy as callers write it: optional fields take their defaults on
 * create, and a change merges into the stored strategy on update (a metric,
 * the scope and the extra conditions are replaced whole; null drops a metric
 * or a template).
 */
import type { PoolAction, StrategyStatus, ThresholdType } from "../../../drizzle/schema/index.ts";
import type { Logic, QueryGroup } from "../device-query/template.ts";
import type { StrategySettings } from "./strategy-rules.ts";

export interface MetricInput {
  threshold: number;
  /** default usage */
  type?: ThresholdType | undefined;
  target: number;
}

export interface ScopeInput {
  clusterIds?: string[] | undefined;
  poolIds?: string[] | undefined;
}

/** Every field a change may carry (status only on create: enable and disable are transitions). */
export interface StrategyChanges {
  name?: string | undefined;
  description?: string | null | undefined;
  action?: PoolAction | undefined;
  cpu?: MetricInput | null | undefined;
  memory?: MetricInput | null | undefined;
  conditionLogic?: Logic | undefined;
  durationDays?: number | undefined;
  cooldownDays?: number | undefined;
  maxDevices?: number | undefined;
  scope?: ScopeInput | undefined;
  entryTemplateId?: string | null | undefined;
  exitTemplateId?: string | null | undefined;
  extraConditions?: QueryGroup[] | undefined;
}

export interface NewStrategyInput extends StrategyChanges {
  name: string;
  action: PoolAction;
  durationDays: number;
  maxDevices: number;
  status?: StrategyStatus | undefined;
}

const DEFAULTS = {
  description: null,
  cpu: null,
  memory: null,
  conditionLogic: "or",
  cooldownDays: 0,
  scope: { clusterIds: [], poolIds: [] },
  entryTemplateId: null,
  exitTemplateId: null,
  extraConditions: [],
  status: "enabled",
} as const satisfies Partial<StrategySettings>;

const metricOf = (m: MetricInput | null) =>
  m === null ? null : { threshold: m.threshold, type: m.type ?? "usage", target: m.target };

/** `current` with `changes` applied; fields the change leaves out keep their value. */
export function mergeStrategy(
  current: StrategySettings,
  changes: StrategyChanges & { status?: StrategyStatus | undefined },
): StrategySettings {
  const merged: StrategySettings = { ...current };
  for (const [key, value] of Object.entries(changes)) {
    if (value !== undefined) (merged as unknown as Record<string, unknown>)[key] = value;
  }
  if (changes.cpu !== undefined) merged.cpu = metricOf(changes.cpu);
  if (changes.memory !== undefined) merged.memory = metricOf(changes.memory);
  if (changes.scope !== undefined) {
    merged.scope = { clusterIds: changes.scope.clusterIds ?? [], poolIds: changes.scope.poolIds ?? [] };
  }
  return merged;
}

/** A new strategy: the defaults, then the caller's fields. */
export function newStrategySettings(input: NewStrategyInput): StrategySettings {
  const base: StrategySettings = {
    ...DEFAULTS,
    scope: { clusterIds: [], poolIds: [] },
    extraConditions: [],
    name: input.name,
    action: input.action,
    durationDays: input.durationDays,
    maxDevices: input.maxDevices,
  };
  return mergeStrategy(base, input);
}
