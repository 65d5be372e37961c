/**
 * `ksp pool get|update <cluster>/<pool>` (or `--cluster <cluster> <pool>`):
 * one node pool. Each part is an id or a name; the API resolves names inside
 * the cluster, within the token's cluster scope.
 */
import { type ApiClient, dataOf, type Schema } from "../api.ts";
import {
  type PoolRef,
  patchBodyOf,
  poolRefOf,
  SET_HELP,
  SET_OPTIONS,
  singleArg,
  stringFlag,
} from "../args.ts";
import { formatBytes, formatLabels } from "../output.ts";
import { type FieldList, showResource } from "./show.ts";
import type { Command, CommandContext } from "./types.ts";

type Pool = Schema<"Pool">;
type PoolUpdate = Schema<"UpdatePoolRequest">;

/** Every field PATCH /v1/clusters/{clusterId}/pools/{poolId} takes; `satisfies` keeps the list equal to the schema's. */
const UPDATE_FIELDS = Object.keys({
  name: true,
  description: true,
  minSize: true,
  maxSize: true,
  autoscalingEnabled: true,
  templateLabels: true,
  templateTaints: true,
  capacityCpuMillis: true,
  capacityMemoryBytes: true,
  capacityEphemeralStorageBytes: true,
  capacityPods: true,
  allocatableCpuMillis: true,
  allocatableMemoryBytes: true,
  allocatableEphemeralStorageBytes: true,
  allocatablePods: true,
  gpuCount: true,
  gpuType: true,
  hardwareRequirements: true,
  scaleUpPolicy: true,
  scaleDownPolicy: true,
  drainSettings: true,
  lifecycleSettings: true,
  prepareHosts: true,
  preJoinHook: true,
  postJoinHook: true,
  preResetHook: true,
  postResetHook: true,
  scaleUpCooldownSeconds: true,
  scaleDownCooldownSeconds: true,
  autoscalingOptions: true,
  hourlyPrice: true,
  poolType: true,
} satisfies Record<keyof PoolUpdate, true>);

const POOL_OPTIONS = { cluster: { type: "string" } } as const;
const POOL_HELP = "  --cluster CLUSTER       the pool's cluster (id or name), with <pool> given alone";

function resources(cpuMillis: number, memoryBytes: number, pods: number): string {
  return `cpu ${cpuMillis}m, memory ${formatBytes(memoryBytes)}, pods ${pods}`;
}

const HOOKS = ["preJoinHook", "postJoinHook", "preResetHook", "postResetHook"] as const;

export function poolFields(pool: Pool): FieldList {
  const taints = pool.templateTaints.map(
    ({ key, value, effect }) => `${key}${value === undefined ? "" : `=${value}`}:${effect}`,
  );
  const hooks = HOOKS.filter((hook) => pool[hook] !== null);
  return [
    ["Name", pool.name],
    ["ID", pool.id],
    ["Cluster ID", pool.clusterId],
    ["Description", pool.description],
    ["Type", pool.poolType ?? "<none>"],
    ["Size", `min ${pool.minSize}, max ${pool.maxSize}`],
    ["Autoscaling", pool.autoscalingEnabled ? "enabled" : "disabled"],
    ["Node labels", formatLabels(pool.templateLabels)],
    ["Node taints", taints.length === 0 ? "<none>" : taints.join(",")],
    ["Capacity", resources(pool.capacityCpuMillis, pool.capacityMemoryBytes, pool.capacityPods)],
    ["Allocatable", resources(pool.allocatableCpuMillis, pool.allocatableMemoryBytes, pool.allocatablePods)],
    ["GPUs", pool.gpuCount === 0 ? "0" : `${pool.gpuCount} ${pool.gpuType ?? ""}`.trim()],
    ["Scale up", `${pool.scaleUpPolicy}, cooldown ${pool.scaleUpCooldownSeconds}s`],
    ["Scale down", `${pool.scaleDownPolicy}, cooldown ${pool.scaleDownCooldownSeconds}s`],
    ["Hourly price", pool.hourlyPrice ?? "unpriced"],
    ["Hooks", hooks.length === 0 ? "<none>" : hooks.join(",")],
    ["Created", pool.createdAt],
    ["Updated", pool.updatedAt],
  ];
}

function poolRefFrom(ctx: CommandContext): PoolRef {
  const arg = singleArg(ctx.args, "a pool as <cluster>/<pool>");
  return poolRefOf(arg, stringFlag(ctx.flags, "cluster"));
}

function poolPath({ cluster, pool }: PoolRef) {
  return { params: { path: { clusterId: cluster, poolId: pool } } };
}

export async function fetchPool(api: ApiClient, ref: PoolRef): Promise<Pool> {
  return dataOf(await api.GET("/v1/clusters/{clusterId}/pools/{poolId}", poolPath(ref)));
}

export const poolGetCommand: Command = {
  words: ["pool", "get"],
  synopsis: "<cluster>/<pool>",
  summary: "Show a node pool (or: --cluster <cluster> <pool>)",
  options: POOL_OPTIONS,
  help: POOL_HELP,
  async run(ctx) {
    return showResource(ctx, await fetchPool(ctx.api, poolRefFrom(ctx)), poolFields);
  },
};

export const poolUpdateCommand: Command = {
  words: ["pool", "update"],
  synopsis: "<cluster>/<pool> --set KEY=VALUE…",
  summary: "Change a node pool's settings (size, labels, taints, policies…)",
  options: { ...POOL_OPTIONS, ...SET_OPTIONS },
  help: [
    POOL_HELP,
    SET_HELP,
    `Fields: ${UPDATE_FIELDS.join(", ")}.`,
    `Example: ksp pool update demo/workers --set minSize=1 --set maxSize=5 --set 'templateLabels={"gpu":"a100"}'`,
  ].join("\n"),
  async run(ctx) {
    const ref = poolRefFrom(ctx);
    // The API validates every value (and min ≤ max on the merged pool); the CLI only builds the object.
    const body = patchBodyOf(ctx.flags, UPDATE_FIELDS) as PoolUpdate;
    const pool = dataOf(
      await ctx.api.PATCH("/v1/clusters/{clusterId}/pools/{poolId}", { ...poolPath(ref), body }),
    );
    return showResource(ctx, pool, poolFields);
  },
};
