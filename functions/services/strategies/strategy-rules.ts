/**
 * What a strategy must be, checked on the WHOLE would-be strategy (create,
 * and the merge of a change into the stored one), so a change to one field
 * cannot break a rule that spans two (an action change that turns every
 * target the wrong side of its threshold). Every refusal is a 400 naming the
 * offending field in bracket form (`cpu.target`, `scope.clusterIds[1]`,
 * `extraConditions[0].blocks[1].operator`). The transport checks shapes
 * first; these rules hold for every caller.
 *
 * Percentages lie in 0–100. An entry strategy adds machines to bring
 * utilisation DOWN to its target, so its target is below the threshold that
 * triggers it; an exit strategy removes machines to bring utilisation UP to
 * its target, so its target is above the threshold.
 */
import {
  POOL_ACTIONS,
  type PoolAction,
  STRATEGY_STATUSES,
  type StrategyStatus,
  THRESHOLD_TYPES,
  type ThresholdType,
} from "../../../drizzle/schema/index.ts";
import { AppError } from "../../lib/errors.ts";
import {
  checkGroups,
  isLogic,
  type Logic,
  type QueryGroup,
  TEMPLATE_LOGICS,
} from "../device-query/template.ts";
import { isUuid } from "../machines/ids.ts";

export const STRATEGY_NAME_MAX = 100;
export const STRATEGY_DESCRIPTION_MAX = 1000;
export const MAX_DURATION_DAYS = 366;
export const MAX_COOLDOWN_DAYS = 366;
export const MAX_DEVICES = 10_000;
export const MAX_SCOPE_IDS = 100;

export interface MetricRule {
  /** percent: utilisation past it (above for entry, below for exit) triggers the strategy */
  threshold: number;
  type: ThresholdType;
  /** percent: where the order brings utilisation */
  target: number;
}

export interface StrategyScope {
  /** empty: every cluster */
  clusterIds: string[];
  /** empty: every pool of the clusters in scope */
  poolIds: string[];
}

/** A strategy as its rules see it: every field present. */
export interface StrategySettings {
  name: string;
  description: string | null;
  action: PoolAction;
  cpu: MetricRule | null;
  memory: MetricRule | null;
  conditionLogic: Logic;
  durationDays: number;
  cooldownDays: number;
  maxDevices: number;
  scope: StrategyScope;
  entryTemplateId: string | null;
  exitTemplateId: string | null;
  extraConditions: QueryGroup[];
  status: StrategyStatus;
}

export const METRICS = ["cpu", "memory"] as const;

function invalid(path: string, why: string): AppError {
  return new AppError("validation_failed", `${path}: ${why}`, { path });
}

const oneOf = (values: readonly string[]) => `one of ${values.join(", ")}`;
const isOneOf = (values: readonly string[], v: unknown) => typeof v === "string" && values.includes(v);

/** Refuses a strategy that breaks a rule, naming the first offending field. */
export function checkStrategySettings(s: StrategySettings): void {
  checkText(s.name, "name", STRATEGY_NAME_MAX, false);
  if (s.description !== null) checkText(s.description, "description", STRATEGY_DESCRIPTION_MAX, true);
  if (!isOneOf(POOL_ACTIONS, s.action)) throw invalid("action", `must be ${oneOf(POOL_ACTIONS)}`);
  for (const metric of METRICS) {
    const rule = s[metric];
    if (rule !== null) checkMetric(rule, metric, s.action);
  }
  if (s.cpu === null && s.memory === null) {
    throw invalid("cpu", "a strategy needs at least one metric: give cpu, memory or both");
  }
  if (!isLogic(s.conditionLogic)) throw invalid("conditionLogic", `must be ${oneOf(TEMPLATE_LOGICS)}`);
  checkCount(s.durationDays, "durationDays", 1, MAX_DURATION_DAYS);
  checkCount(s.cooldownDays, "cooldownDays", 0, MAX_COOLDOWN_DAYS);
  checkCount(s.maxDevices, "maxDevices", 1, MAX_DEVICES);
  checkIds(s.scope?.clusterIds, "scope.clusterIds");
  checkIds(s.scope?.poolIds, "scope.poolIds");
  for (const field of ["entryTemplateId", "exitTemplateId"] as const) {
    const id = s[field];
    if (id !== null && (typeof id !== "string" || !isUuid(id)))
      throw invalid(field, "must be a UUID or null");
  }
  checkGroups(s.extraConditions, "extraConditions");
  if (!isOneOf(STRATEGY_STATUSES, s.status)) throw invalid("status", `must be ${oneOf(STRATEGY_STATUSES)}`);
}

function checkMetric(rule: MetricRule, metric: string, action: PoolAction): void {
  if (typeof rule !== "object" || rule === null) throw invalid(metric, "must be an object or null");
  for (const field of ["threshold", "target"] as const) {
    const value = rule[field];
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value > 100) {
      throw invalid(`${metric}.${field}`, `must be a percentage from 0 to 100, not ${JSON.stringify(value)}`);
    }
  }
  if (!isOneOf(THRESHOLD_TYPES, rule.type))
    throw invalid(`${metric}.type`, `must be ${oneOf(THRESHOLD_TYPES)}`);
  if (action === "pool_entry" && !(rule.target < rule.threshold)) {
    throw invalid(
      `${metric}.target`,
      `must be below ${metric}.threshold (${rule.threshold}) for pool_entry: ` +
        "machines are added to bring utilisation down to the target",
    );
  }
  if (action === "pool_exit" && !(rule.target > rule.threshold)) {
    throw invalid(
      `${metric}.target`,
      `must be above ${metric}.threshold (${rule.threshold}) for pool_exit: ` +
        "machines are removed to bring utilisation up to the target",
    );
  }
}

function checkText(value: unknown, path: string, max: number, blankAllowed: boolean): void {
  if (typeof value !== "string" || value.length > max || (!blankAllowed && value.trim() === "")) {
    throw invalid(
      path,
      `must be ${blankAllowed ? "at most" : `1 to`} ${max} characters${blankAllowed ? "" : ", not blank"}`,
    );
  }
  if (value.includes("\u0000")) throw invalid(path, "must not contain a NUL character");
}

function checkCount(value: unknown, path: string, min: number, max: number): void {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(path, `must be a whole number from ${min} to ${max}, not ${JSON.stringify(value)}`);
  }
}

function checkIds(ids: unknown, path: string): void {
  if (!Array.isArray(ids)) throw invalid(path, "must be an array of ids");
  if (ids.length > MAX_SCOPE_IDS) throw invalid(path, `at most ${MAX_SCOPE_IDS} ids, not ${ids.length}`);
  const seen = new Set<string>();
  for (const [i, id] of ids.entries()) {
    if (typeof id !== "string" || !isUuid(id)) throw invalid(`${path}[${i}]`, "must be a UUID");
    if (seen.has(id)) throw invalid(`${path}[${i}]`, `${id} is listed twice`);
    seen.add(id);
  }
}
