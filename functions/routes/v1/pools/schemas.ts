/**
 * Request and response schemas shared by the /v1 pools routes. Every string,
 * array and number is bounded; bodies reject unknown keys. NUL characters are
 * refused up front: Postgres cannot store them in text or jsonb.
 */
import { z } from "@hono/zod-openapi";
import {
  DEFAULT_DRAIN_SETTINGS,
  SCALE_DOWN_POLICIES,
  SCALE_UP_POLICIES,
} from "../../../../drizzle/schema/index.ts";
import { MACHINE_STATES } from "../../../../proto/machine-states.ts";
import { LabelsSchema, TaintSchema } from "../../../http/params.ts";
import { isUuid } from "../../../services/machines/ids.ts";
import { POOL_TYPE_MAX, POOL_TYPE_PATTERN, POOL_TYPE_RULE } from "../../../services/pools/pool-type.ts";
import { AutoscalingOptionsInput, HourlyPriceInput, PoolAutoscalingOptions } from "./autoscaling-options.ts";
import { LifecycleSettingsInput, PoolLifecycleSettings } from "./lifecycle-settings.ts";
import { PoolScalingSchema } from "./scaling-schemas.ts";

export const HOOK_MAX_BYTES = 64 * 1024;
const MAX_SIZE = 10_000;
const MAX_COOLDOWN_SECONDS = 7 * 24 * 3600;
const MAX_LIST = 64;

export const withoutNul = (value: string) => !value.includes("\0");
const NUL_MESSAGE = { message: "must not contain NUL characters" };
const text = (max: number) => z.string().max(max).refine(withoutNul, NUL_MESSAGE);
const name = (max: number) => text(max).min(1);
const count = (max: number) => z.number().int().min(0).max(max);
const bytes = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const seconds = count(MAX_COOLDOWN_SECONDS);

/** A DNS-1123 label, like the Kubernetes objects the pool's nodes get named after. */
export const PoolNameSchema = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, {
    message: "must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending alphanumeric",
  })
  // ids and names are accepted in the same places (http/define-route.ts): a name must never read as an id
  .refine((name) => !isUuid(name), { message: "must not have the shape of a UUID" })
  .openapi({ example: "gpu-a100" });

/** What kind of pool this is; matching policies (/v1/matching-policies) pick machines by it. */
export const PoolTypeSchema = z
  .string()
  .min(1)
  .max(POOL_TYPE_MAX)
  .regex(POOL_TYPE_PATTERN, { message: POOL_TYPE_RULE })
  .openapi({ example: "gpu" });

/** A shell script the agent runs on the host; ≤ 64 KiB of UTF-8. null removes it. */
const HookSchema = text(HOOK_MAX_BYTES)
  .refine((script) => new TextEncoder().encode(script).length <= HOOK_MAX_BYTES, {
    message: `must be at most ${HOOK_MAX_BYTES} bytes`,
  })
  .nullable();

/** A hook as the API shows it: viewers get a placeholder, never the script (it may hold secrets). */
const ShownHook = z.string().nullable().openapi({
  description:
    "The script (operators and admins); for viewers `[redacted: <n> bytes; operators can read it]`. null: none.",
});

// A taint key is a qualified name, like a label key; the shared TaintSchema only bounds its length.
const TAINT_KEY = /^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const TAINT_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;
const PoolTaintSchema = z.strictObject({
  key: TaintSchema.shape.key.regex(TAINT_KEY, { message: "must be a Kubernetes qualified name" }),
  value: z.string().max(63).regex(TAINT_VALUE, { message: "must be a Kubernetes label value" }).optional(),
  effect: TaintSchema.shape.effect,
});

export const HardwareRequirementsSchema = z
  .strictObject({
    minCpuCores: count(100_000).optional(),
    minMemoryBytes: bytes.optional(),
    minGpuCount: count(1024).optional(),
    gpuType: name(128).optional(),
    regions: z.array(name(128)).max(MAX_LIST).optional().openapi({ description: "any of these" }),
    zones: z.array(name(128)).max(MAX_LIST).optional().openapi({ description: "any of these" }),
    machineLabels: LabelsSchema.optional().openapi({ description: "the machine must carry all of these" }),
  })
  .openapi("HardwareRequirements");

const DrainSettingsSchema = z.object({
  timeoutSeconds: count(86_400),
  gracePeriodSeconds: count(86_400),
  ignoreDaemonSets: z.boolean(),
  deleteEmptyDirData: z.boolean(),
  force: z.boolean().openapi({ description: "evict pods not managed by a controller" }),
});

const DrainSettingsPatchSchema = DrainSettingsSchema.partial()
  .strict()
  .openapi("DrainSettingsPatch", {
    description: `merged key by key over the current settings (defaults: ${JSON.stringify(DEFAULT_DRAIN_SETTINGS)})`,
  });

/** Every field an operator may set; all optional so create and update share them. */
const settableFields = {
  description: text(1024).optional(),
  poolType: PoolTypeSchema.nullable()
    .optional()
    .openapi({ description: "the pool's type for matching policies; null: none applies" }),
  minSize: count(MAX_SIZE).optional(),
  maxSize: count(MAX_SIZE).optional(),
  autoscalingEnabled: z.boolean().optional(),
  templateLabels: LabelsSchema.optional().openapi({ description: "labels of the pool's nodes" }),
  templateTaints: z.array(PoolTaintSchema).max(MAX_LIST).optional(),
  capacityCpuMillis: count(1_000_000_000).optional(),
  capacityMemoryBytes: bytes.optional(),
  capacityEphemeralStorageBytes: bytes.optional(),
  capacityPods: count(100_000).optional(),
  allocatableCpuMillis: count(1_000_000_000).optional(),
  allocatableMemoryBytes: bytes.optional(),
  allocatableEphemeralStorageBytes: bytes.optional(),
  allocatablePods: count(100_000).optional(),
  gpuCount: count(1024).optional(),
  gpuType: name(128).nullable().optional(),
  hardwareRequirements: HardwareRequirementsSchema.optional().openapi({ description: "replaced as a whole" }),
  scaleUpPolicy: z.enum(SCALE_UP_POLICIES).optional(),
  scaleDownPolicy: z.enum(SCALE_DOWN_POLICIES).optional(),
  drainSettings: DrainSettingsPatchSchema.optional(),
  lifecycleSettings: LifecycleSettingsInput.optional(),
  prepareHosts: z.boolean().optional(),
  preJoinHook: HookSchema.optional(),
  postJoinHook: HookSchema.optional(),
  preResetHook: HookSchema.optional(),
  postResetHook: HookSchema.optional(),
  scaleUpCooldownSeconds: seconds.optional(),
  scaleDownCooldownSeconds: seconds.optional(),
  autoscalingOptions: AutoscalingOptionsInput.optional(),
  hourlyPrice: HourlyPriceInput.optional(),
};

export const CreatePoolBody = z
  .strictObject({ name: PoolNameSchema, ...settableFields })
  .openapi("CreatePoolRequest", {
    description:
      "Omitted allocatable resources default to the capacity given; min ≤ max, allocatable ≤ capacity.",
  });

export const UpdatePoolBody = z
  .strictObject({ name: PoolNameSchema.optional(), ...settableFields })
  .refine((body) => Object.values(body).some((v) => v !== undefined), { message: "give at least one field" })
  .openapi("UpdatePoolRequest", {
    description: "Any field; the merged pool must keep min ≤ max and allocatable ≤ capacity.",
  });

const TaintOut = z.object({
  key: z.string(),
  value: z.string().optional(),
  effect: TaintSchema.shape.effect,
});

export const PoolSchema = z
  .object({
    id: z.uuid(),
    clusterId: z.uuid(),
    name: z.string(),
    description: z.string(),
    poolType: z.string().nullable().openapi({ description: "null: no matching policy applies" }),
    minSize: z.number().int(),
    maxSize: z.number().int(),
    autoscalingEnabled: z.boolean(),
    templateLabels: z.record(z.string(), z.string()),
    templateTaints: z.array(TaintOut),
    capacityCpuMillis: z.number().int(),
    capacityMemoryBytes: z.number().int(),
    capacityEphemeralStorageBytes: z.number().int(),
    capacityPods: z.number().int(),
    allocatableCpuMillis: z.number().int(),
    allocatableMemoryBytes: z.number().int(),
    allocatableEphemeralStorageBytes: z.number().int(),
    allocatablePods: z.number().int(),
    gpuCount: z.number().int(),
    gpuType: z.string().nullable(),
    hardwareRequirements: HardwareRequirementsSchema,
    scaleUpPolicy: z.enum(SCALE_UP_POLICIES),
    scaleDownPolicy: z.enum(SCALE_DOWN_POLICIES),
    drainSettings: DrainSettingsSchema,
    lifecycleSettings: PoolLifecycleSettings,
    prepareHosts: z.boolean(),
    preJoinHook: ShownHook,
    postJoinHook: ShownHook,
    preResetHook: ShownHook,
    postResetHook: ShownHook,
    scaleUpCooldownSeconds: z.number().int(),
    scaleDownCooldownSeconds: z.number().int(),
    autoscalingOptions: PoolAutoscalingOptions.nullable().openapi({
      description: "null: Cluster Autoscaler uses its defaults for this pool",
    }),
    hourlyPrice: z.number().nullable().openapi({ description: "price of one node per hour; null: unpriced" }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Pool");

export const PoolStatusSchema = z
  .object({
    clusterId: z.uuid(),
    poolId: z.uuid(),
    name: z.string(),
    minSize: z.number().int(),
    maxSize: z.number().int(),
    autoscalingEnabled: z.boolean(),
    counts: z
      .record(z.enum(MACHINE_STATES), z.number().int())
      .openapi({ description: "every state, zeros included" }),
    total: z.number().int(),
    target: z.number().int().openapi({ description: "reserved + joining + ready" }),
    inUse: z.number().int().openapi({ description: "reserved, joining, ready, draining and leaving" }),
    events: z
      .array(
        z.object({
          id: z.uuid(),
          kind: z.string(),
          status: z.string(),
          machineId: z.uuid().nullable(),
          metadata: z.record(z.string(), z.unknown()),
          createdAt: z.string(),
        }),
      )
      .openapi({ description: "the 20 most recent events of the pool, newest first" }),
    scaling: PoolScalingSchema,
  })
  .openapi("PoolStatus");

export const DeletedPoolSchema = z
  .object({
    clusterId: z.uuid(),
    poolId: z.uuid(),
    name: z.string(),
    deletedAt: z.string(),
    detachedArchivedMachines: z.number().int(),
  })
  .openapi("DeletedPool");
