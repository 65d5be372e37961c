/**
 * Strategy shapes shared by the /v1/strategies routes. These check shapes and
 * bounds (percentages 0–100, whole days); the rules that span fields (at
 * least one metric; for pool_entry target < threshold, for pool_exit target >
 * threshold) and the existence of templates, clusters and pools are the
 * service's, which names the field the same way (`cpu.target`,
 * `scope.clusterIds[1]`).
 */
import { z } from "@hono/zod-openapi";
import { EVALUATION_RESULTS, STRATEGY_STATUSES, THRESHOLD_TYPES } from "../../../../drizzle/schema/index.ts";
import { UuidSchema } from "../../../http/params.ts";
import {
  MAX_COOLDOWN_DAYS,
  MAX_DEVICES,
  MAX_DURATION_DAYS,
  MAX_SCOPE_IDS,
  STRATEGY_DESCRIPTION_MAX,
  STRATEGY_NAME_MAX,
} from "../../../services/strategies/strategy-rules.ts";
import type { StrategyView } from "../../../services/strategies/strategy-view.ts";
import { PoolActionSchema } from "../matching-policies/schemas.ts";
import { LogicSchema, QueryGroupSchema, QueryGroupsSchema } from "../query-templates/schemas.ts";

const NO_CONTROL_CHARS = /^[^\p{Cc}]*$/u;

const Percent = z.number().min(0).max(100);

export const MetricSchema = z
  .strictObject({
    threshold: Percent.openapi({
      description: "percent; a day past it (above for pool_entry, below for pool_exit) counts",
      example: 80,
    }),
    type: z.enum(THRESHOLD_TYPES).optional().openapi({
      description: "usage: what pods use; allocated: what pods request (default usage)",
    }),
    target: Percent.openapi({
      description:
        "percent the order brings utilisation to: below threshold for pool_entry, above for pool_exit",
      example: 60,
    }),
  })
  .openapi("StrategyMetric");

const MetricOut = z
  .object({ threshold: z.number(), type: z.enum(THRESHOLD_TYPES), target: z.number() })
  .openapi("StrategyMetricView");

export const StrategyStatusSchema = z.enum(STRATEGY_STATUSES).openapi({ example: "enabled" });

const ScopeSchema = z
  .strictObject({
    clusterIds: z
      .array(UuidSchema)
      .max(MAX_SCOPE_IDS)
      .optional()
      .openapi({ description: "empty: every cluster" }),
    poolIds: z
      .array(UuidSchema)
      .max(MAX_SCOPE_IDS)
      .optional()
      .openapi({ description: "empty: every pool of the clusters in scope; a pool must lie in one of them" }),
  })
  .openapi("StrategyScopeInput", { description: "replaced whole; an omitted list is empty" });

const NameSchema = z
  .string()
  .trim()
  .min(1)
  .max(STRATEGY_NAME_MAX)
  .regex(NO_CONTROL_CHARS, { message: "must not contain control characters" })
  .openapi({ description: "unique across the fleet", example: "gpu-hot-week" });

const DescriptionSchema = z
  .string()
  .max(STRATEGY_DESCRIPTION_MAX)
  .refine((t) => NO_CONTROL_CHARS.test(t.replace(/[\t\n\r]/g, " ")), {
    message: "must not contain control characters other than line breaks and tabs",
  })
  .nullable()
  .openapi({ description: "free text; null clears it", example: "Grow GPU pools that ran hot all week" });

const settable = {
  description: DescriptionSchema.optional(),
  cpu: MetricSchema.nullable().optional().openapi({ description: "null: CPU is not considered" }),
  memory: MetricSchema.nullable().optional().openapi({ description: "null: memory is not considered" }),
  conditionLogic: LogicSchema.optional().openapi({
    description: "and: every metric given must be past its threshold; or: one is enough (default or)",
  }),
  cooldownDays: z.int().min(0).max(MAX_COOLDOWN_DAYS).optional().openapi({
    description: "days after an order for the pool (ignored ones too) before the next (default 0)",
  }),
  scope: ScopeSchema.optional(),
  entryTemplateId: UuidSchema.nullable().optional().openapi({
    description: "the query template for entry candidates; null: the pool type's matching policy decides",
  }),
  exitTemplateId: UuidSchema.nullable().optional().openapi({
    description: "the query template for exit candidates; null: the pool type's matching policy decides",
  }),
  extraConditions: QueryGroupsSchema.optional().openapi({ description: "ANDed with the template" }),
};

const DurationDays = z.int().min(1).max(MAX_DURATION_DAYS).openapi({
  description: "consecutive days of daily snapshots past the threshold before it acts",
  example: 7,
});
const MaxDevices = z
  .int()
  .min(1)
  .max(MAX_DEVICES)
  .openapi({ description: "at most this many machines an order", example: 4 });

const EXAMPLE = {
  name: "gpu-hot-week",
  description: "Grow GPU pools that ran hot all week",
  action: "pool_entry" as const,
  cpu: { threshold: 80, type: "usage" as const, target: 60 },
  memory: null,
  conditionLogic: "or" as const,
  durationDays: 7,
  cooldownDays: 3,
  maxDevices: 4,
  scope: { clusterIds: ["9a4f3c1e-6a43-4f7e-9d2a-5f0c8f1d2e3a"], poolIds: [] },
};

export const CreateStrategyBody = z
  .strictObject({
    name: NameSchema,
    action: PoolActionSchema,
    durationDays: DurationDays,
    maxDevices: MaxDevices,
    status: StrategyStatusSchema.optional().openapi({ description: "default enabled" }),
    ...settable,
  })
  .openapi("CreateStrategyRequest", { example: EXAMPLE });

const ExpectedVersion = z.int().min(0).max(2_147_483_647).openapi({
  description: "refuse with 409 stale_version unless the strategy is still at this version",
});

export const UpdateStrategyBody = z
  .strictObject({
    name: NameSchema.optional(),
    action: PoolActionSchema.optional(),
    durationDays: DurationDays.optional(),
    maxDevices: MaxDevices.optional(),
    ...settable,
    expectedVersion: ExpectedVersion.optional(),
  })
  .refine(({ expectedVersion: _, ...changes }) => Object.values(changes).some((v) => v !== undefined), {
    message: "give at least one field to change",
  })
  .openapi("UpdateStrategyRequest", {
    description:
      "Any field but status (POST …/enable and …/disable); a metric, the scope and extraConditions are " +
      "replaced whole. The merged strategy is checked as on create.",
    example: { maxDevices: 8, expectedVersion: 0 },
  });

export const StatusChangeBody = z
  .strictObject({ expectedVersion: ExpectedVersion.optional() })
  .openapi("StrategyStatusChangeRequest");

export const StrategySchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    description: z.string().nullable(),
    action: PoolActionSchema,
    cpu: MetricOut.nullable(),
    memory: MetricOut.nullable(),
    conditionLogic: LogicSchema,
    durationDays: z.number().int(),
    cooldownDays: z.number().int(),
    maxDevices: z.number().int(),
    scope: z
      .object({ clusterIds: z.array(z.uuid()), poolIds: z.array(z.uuid()) })
      .openapi({ description: "for a cluster-scoped token, only its own cluster and pools" }),
    entryTemplateId: z.uuid().nullable(),
    exitTemplateId: z.uuid().nullable(),
    extraConditions: z.array(QueryGroupSchema),
    status: StrategyStatusSchema,
    version: z.number().int().openapi({ description: "bumped by every change; pass as expectedVersion" }),
    createdBy: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Strategy");

export type StrategyResponse = z.infer<typeof StrategySchema>;

/** The view as the response schema types it: stored groups passed checkGroups, so values are of its kinds. */
export function presentStrategy(view: StrategyView): StrategyResponse {
  return { ...view, extraConditions: view.extraConditions as StrategyResponse["extraConditions"] };
}

export const EvaluationSchema = z
  .object({
    id: z.uuid(),
    strategyId: z.uuid(),
    clusterId: z.uuid(),
    poolId: z.uuid(),
    runKey: z.string().openapi({ description: "the scheduled run: its UTC day", example: "2026-12-07" }),
    result: z.enum(EVALUATION_RESULTS),
    observed: z.record(z.string(), z.unknown()).openapi({
      description:
        "what the evaluation saw: utilisation per day, the run length, candidates, the device count",
    }),
    reason: z.string(),
    orderId: z.uuid().nullable(),
    createdAt: z.string(),
  })
  .openapi("StrategyEvaluation");

export const StrategyIdParams = z.object({
  strategyId: UuidSchema.openapi({
    param: { name: "strategyId", in: "path" },
    example: "7c2e9b4a-3d51-4f8e-b6a0-1e2d3c4b5a69",
  }),
});
