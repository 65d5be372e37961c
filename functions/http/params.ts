/** Path and query parameter schemas shared by /v1 routes. */
import { z } from "@hono/zod-openapi";

export const UuidSchema = z.uuid({ message: "must be a UUID" });

export const ClusterIdParams = z.object({
  clusterId: UuidSchema.openapi({ param: { name: "clusterId", in: "path" } }),
});
export const PoolIdParams = ClusterIdParams.extend({
  poolId: UuidSchema.openapi({ param: { name: "poolId", in: "path" } }),
});
export const MachineIdParams = z.object({
  machineId: UuidSchema.openapi({ param: { name: "machineId", in: "path" } }),
});

/** label keys and values as Kubernetes allows them (prefix/name ≤ 253+63, value ≤ 63) */
export const LABEL_KEY_PATTERN =
  /^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
export const LABEL_VALUE_PATTERN = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

export const LabelKeySchema = z
  .string()
  .regex(LABEL_KEY_PATTERN, { message: "must be a Kubernetes label key" });
export const LabelValueSchema = z
  .string()
  .regex(LABEL_VALUE_PATTERN, { message: "must be a Kubernetes label value" });

export const LabelsSchema = z
  .record(LabelKeySchema, LabelValueSchema)
  .refine((labels) => Object.keys(labels).length <= 64, { message: "at most 64 labels" });

export const TaintSchema = z.strictObject({
  key: LabelKeySchema,
  value: LabelValueSchema.optional(),
  effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]),
});
