/**
 * What the API shows of a strategy (each metric as one object or null, the
 * scope as one object), the mapping between that shape and the table's
 * flat columns, and the errors the strategy services share.
 */
import type { NewStrategy, Strategy } from "../../../drizzle/schema/index.ts";
import { AppError } from "../../lib/errors.ts";
import type { QueryGroup } from "../device-query/template.ts";
import { templateReferenceError } from "../matching-policies/template-ref.ts";
import type { MetricRule, StrategySettings } from "./strategy-rules.ts";

const NAME_CONSTRAINT = "strategies_name_uq";
const ENTRY_TEMPLATE_CONSTRAINT = "strategies_entry_template_id_query_templates_id_fk";
const EXIT_TEMPLATE_CONSTRAINT = "strategies_exit_template_id_query_templates_id_fk";

export interface StrategyView extends StrategySettings {
  id: string;
  version: number;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
}

/** The stored strategy in the rules' shape. */
export function settingsOf(row: Strategy): StrategySettings {
  const metric = (threshold: number | null, type: MetricRule["type"], target: number | null) =>
    threshold === null || target === null ? null : { threshold, type, target };
  return {
    name: row.name,
    description: row.description,
    action: row.action,
    cpu: metric(row.cpuThreshold, row.cpuThresholdType, row.cpuTarget),
    memory: metric(row.memoryThreshold, row.memoryThresholdType, row.memoryTarget),
    conditionLogic: row.conditionLogic,
    durationDays: row.durationDays,
    cooldownDays: row.cooldownDays,
    maxDevices: row.maxDevices,
    scope: { clusterIds: row.scopeClusterIds, poolIds: row.scopePoolIds },
    entryTemplateId: row.entryTemplateId,
    exitTemplateId: row.exitTemplateId,
    // written only after checkGroups (create and update)
    extraConditions: row.extraConditions as QueryGroup[],
    status: row.status,
  };
}

/** The columns that hold `settings` (a metric left out keeps its type column at the default). */
export function columnsOf(s: StrategySettings) {
  return {
    name: s.name,
    description: s.description,
    action: s.action,
    cpuThreshold: s.cpu?.threshold ?? null,
    cpuThresholdType: s.cpu?.type ?? "usage",
    cpuTarget: s.cpu?.target ?? null,
    memoryThreshold: s.memory?.threshold ?? null,
    memoryThresholdType: s.memory?.type ?? "usage",
    memoryTarget: s.memory?.target ?? null,
    conditionLogic: s.conditionLogic,
    durationDays: s.durationDays,
    cooldownDays: s.cooldownDays,
    maxDevices: s.maxDevices,
    scopeClusterIds: s.scope.clusterIds,
    scopePoolIds: s.scope.poolIds,
    entryTemplateId: s.entryTemplateId,
    exitTemplateId: s.exitTemplateId,
    extraConditions: s.extraConditions,
    status: s.status,
  } satisfies Omit<NewStrategy, "id" | "version" | "createdBy" | "createdAt" | "updatedAt">;
}

export function toStrategyView(row: Strategy): StrategyView {
  return {
    id: row.id,
    ...settingsOf(row),
    version: row.version,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function strategyNotFound(id: string): AppError {
  return new AppError("not_found", `strategy ${id} not found`, { strategyId: id });
}

export function staleStrategy(id: string, expected: number, actual: number | null): AppError {
  const now = actual === null ? "changed meanwhile" : `is at version ${actual}`;
  return new AppError("stale_version", `strategy ${id} ${now}, not ${expected}; read it again and retry`, {
    strategyId: id,
    expectedVersion: expected,
    actualVersion: actual,
  });
}

/**
 * A database error of a strategy write as the client should see it: a taken
 * name is a 409, a template deleted between the check and the write a 400
 * naming the field.
 */
export function strategyWriteError(
  err: unknown,
  s: Pick<StrategySettings, "name" | "entryTemplateId" | "exitTemplateId">,
): unknown {
  const mapped = templateReferenceError(err, {
    [ENTRY_TEMPLATE_CONSTRAINT]: { path: "entryTemplateId", id: s.entryTemplateId },
    [EXIT_TEMPLATE_CONSTRAINT]: { path: "exitTemplateId", id: s.exitTemplateId },
  });
  if (mapped?.details?.constraint === NAME_CONSTRAINT) {
    return new AppError("conflict", `a strategy named ${s.name} already exists`, {
      name: s.name,
      constraint: NAME_CONSTRAINT,
    });
  }
  return mapped ?? err;
}
