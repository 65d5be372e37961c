/** Path and query parameter schemas shared by /v1 routes. */
import { z } from "@hono/zod-openapi";
import { LABEL_KEY_PATTERN, LABEL_VALUE_PATTERN } from "../services/label-syntax.ts";

export const UuidSchema = z.uuid({ message: "must be a UUID" });

/*
 * Wherever a cluster, pool or machine id is accepted, its name is too
 * (resolved by the route helper, http/define-route.ts). Names cannot look
 * like UUIDs (the name schemas refuse that), so a value is never both.
 */
const ref = (what: string, max: number, example: string) =>
  z
    .string()
    .min(1, { message: `must name a ${what}` })
    .max(max)
    .openapi({ example });

export const ClusterRefSchema = ref("cluster", 63, "prod-eu-1").openapi({
  description: "The cluster's id or name",
});
export const PoolRefSchema = ref("pool", 127, "prod-eu-1/gpu-a100").openapi({
  description: 'The pool\'s id, its name within the cluster the request names, or "cluster/pool"',
});
export const MachineRefSchema = ref("machine", 253, "node-17.rack4").openapi({
  description: "The machine's id or hostname",
});

export const ClusterIdParams = z.object({
  clusterId: ClusterRefSchema.openapi({ param: { name: "clusterId", in: "path" }, example: "prod-eu-1" }),
});
export const PoolIdParams = ClusterIdParams.extend({
  poolId: PoolRefSchema.openapi({ param: { name: "poolId", in: "path" }, example: "gpu-a100" }),
});
export const MachineIdParams = z.object({
  machineId: MachineRefSchema.openapi({ param: { name: "machineId", in: "path" } }),
});

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
