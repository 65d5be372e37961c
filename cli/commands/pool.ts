/**
 * `ksp pool list|get|create|update|enable|disable|delete|status|wait`. A pool
 * is `<cluster>/<pool>` (or `--cluster <cluster> <pool>`); each part is an id
 * or a name, resolved by the API within the token's cluster scope.
 */
import type { Command } from "commander";
import { type ApiClient, CliError, collectPages, dataOf, type Schema } from "../api.ts";
import {
  bodyOf,
  durationMs,
  type PoolRef,
  pathRef,
  poolRefOf,
  SET_HELP,
  type SetOptions,
  wholeNumber,
} from "../args.ts";
import { EXIT_TIMEOUT } from "../exit-codes.ts";
import { type ListOptions, withListOptions, withSetOptions } from "../options.ts";
import { type FieldList, formatAge, formatBytes, formatError, formatLabels } from "../output.ts";
import { startProgress } from "../progress.ts";
import type { ResourceView } from "../render.ts";
import { forPeople, type Runtime, type Session, sessionOf } from "../runtime.ts";
import { listOrWatch } from "../watch.ts";
import { listClusters, printDeleted } from "./cluster.ts";
import { type PoolStatus, renderPoolStatus } from "./pool-status.ts";

export type Pool = Schema<"Pool">;
type PoolUpdate = Schema<"UpdatePoolRequest">;
type PoolCreate = Schema<"CreatePoolRequest">;

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

/** POST …/pools takes the same fields as the update; the type below fails to compile the day they differ. */
const CREATE_FIELDS: readonly string[] = UPDATE_FIELDS;
export type CreateTakesUpdateFields = [keyof PoolCreate] extends [keyof PoolUpdate]
  ? [keyof PoolUpdate] extends [keyof PoolCreate]
    ? true
    : never
  : never;
export const CREATE_FIELDS_MATCH: CreateTakesUpdateFields = true;

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

/** A pool view that names pools `<cluster>/<pool>` when it knows the cluster names. */
export function poolView(clusterNames: ReadonlyMap<string, string> = new Map()): ResourceView<Pool> {
  const clusterOf = (pool: Pool) => clusterNames.get(pool.clusterId) ?? pool.clusterId;
  return {
    kind: "pool",
    name: (pool) => `${clusterOf(pool)}/${pool.name}`,
    columns: [
      { header: "CLUSTER", value: clusterOf },
      { header: "NAME", value: (p) => p.name },
      { header: "MIN", value: (p) => p.minSize },
      { header: "MAX", value: (p) => p.maxSize },
      { header: "AUTOSCALING", value: (p) => (p.autoscalingEnabled ? "enabled" : "disabled") },
      { header: "TYPE", value: (p) => p.poolType ?? "-" },
      { header: "AGE", value: (p) => formatAge(p.createdAt) },
      { header: "ID", value: (p) => p.id, wide: true },
      {
        header: "CAPACITY",
        value: (p) => resources(p.capacityCpuMillis, p.capacityMemoryBytes, p.capacityPods),
        wide: true,
      },
      { header: "LABELS", value: (p) => formatLabels(p.templateLabels), wide: true },
    ],
    fields: poolFields,
  };
}

function poolPath({ cluster, pool }: PoolRef) {
  return { params: { path: { clusterId: cluster, poolId: pool } } };
}

export async function listPools(api: ApiClient, cluster: string, limit?: number): Promise<Pool[]> {
  return collectPages(
    (page) =>
      api.GET("/v1/clusters/{clusterId}/pools", {
        params: { path: { clusterId: pathRef(cluster, "the cluster") }, query: page },
      }),
    limit,
  );
}

export async function fetchPoolStatus(api: ApiClient, ref: PoolRef): Promise<PoolStatus> {
  return dataOf(await api.GET("/v1/clusters/{clusterId}/pools/{poolId}/status", poolPath(ref)));
}

type PoolOptions = { cluster?: string };

function refOf(arg: string, options: PoolOptions): PoolRef {
  return poolRefOf(arg, options.cluster);
}

function poolCommand(parent: Command, name: string, summary: string): Command {
  return parent
    .command(name)
    .argument("<pool>", "<cluster>/<pool>, each an id or a name")
    .option("--cluster <cluster>", "the pool's cluster (id or name), with <pool> given alone")
    .description(summary);
}

/** What pool commands that answer a Pool print: the pool, named `<cluster>/<pool>` as given. */
function printPool(session: Session, ref: PoolRef, pool: Pool): void {
  session.printOne(poolView(new Map([[pool.clusterId, ref.cluster]])), pool);
}

export function registerPoolCommands(program: Command, rt: Runtime): void {
  const pool = program.command("pool").description("Node pools: the machines a cluster scales over");

  withListOptions(pool.command("list").alias("ls"))
    .argument("[cluster]", "only this cluster's pools (id or name); default: every cluster's")
    .description("List node pools")
    .action(async (cluster: string | undefined, options: ListOptions, cmd) => {
      const session = sessionOf(rt, cmd);
      const clusters = await listClusters(session.api);
      const names = new Map(clusters.map((c) => [c.id, c.name]));
      const targets = cluster === undefined ? clusters.map((c) => c.id) : [cluster];
      const fetchAll = async () => {
        const pools = (await Promise.all(targets.map((target) => listPools(session.api, target)))).flat();
        return options.limit === undefined ? pools : pools.slice(0, options.limit);
      };
      await listOrWatch(session, poolView(names), fetchAll, options);
    });

  poolCommand(pool, "get", "Show a node pool").action(async (arg: string, options: PoolOptions, cmd) => {
    const session = sessionOf(rt, cmd);
    const ref = refOf(arg, options);
    printPool(
      session,
      ref,
      dataOf(await session.api.GET("/v1/clusters/{clusterId}/pools/{poolId}", poolPath(ref))),
    );
  });

  withSetOptions(
    poolCommand(pool, "create", "Create a node pool in a cluster")
      .option("--min <n>", "minimum size", wholeNumber)
      .option("--max <n>", "maximum size", wholeNumber)
      .option("--description <text>", "what the pool is for"),
  )
    .addHelpText(
      "after",
      `\n${SET_HELP}\nFields: ${CREATE_FIELDS.join(", ")}.\n` +
        `Example: ksp pool create demo/workers --min 0 --max 10 --set 'templateLabels={"gpu":"a100"}'`,
    )
    .action(
      async (
        arg: string,
        options: PoolOptions & SetOptions & { min?: number; max?: number; description?: string },
        cmd,
      ) => {
        const session = sessionOf(rt, cmd);
        const ref = refOf(arg, options);
        const body = bodyOf(options, CREATE_FIELDS, {
          name: ref.pool,
          ...(options.min !== undefined ? { minSize: options.min } : {}),
          ...(options.max !== undefined ? { maxSize: options.max } : {}),
          ...(options.description !== undefined ? { description: options.description } : {}),
        }) as PoolCreate;
        const created = dataOf(
          await session.api.POST("/v1/clusters/{clusterId}/pools", {
            params: { path: { clusterId: ref.cluster } },
            body,
          }),
        );
        printPool(session, ref, created);
      },
    );

  withSetOptions(
    poolCommand(pool, "update", "Change a node pool's settings (size, labels, taints, policies…)"),
  )
    .addHelpText(
      "after",
      `\n${SET_HELP}\nFields: ${UPDATE_FIELDS.join(", ")}.\n` +
        `Example: ksp pool update demo/workers --set minSize=1 --set maxSize=5 --set 'templateLabels={"gpu":"a100"}'`,
    )
    .action(async (arg: string, options: PoolOptions & SetOptions, cmd) => {
      const session = sessionOf(rt, cmd);
      const ref = refOf(arg, options);
      // The API validates every value (and min ≤ max on the merged pool); the CLI only builds the object.
      const body = bodyOf(options, UPDATE_FIELDS, {}, { requireChange: true }) as PoolUpdate;
      const updated = dataOf(
        await session.api.PATCH("/v1/clusters/{clusterId}/pools/{poolId}", { ...poolPath(ref), body }),
      );
      printPool(session, ref, updated);
    });

  for (const verb of ["enable", "disable"] as const) {
    poolCommand(pool, verb, `${verb === "enable" ? "Enable" : "Disable"} autoscaling of a node pool`).action(
      async (arg: string, options: PoolOptions, cmd) => {
        const session = sessionOf(rt, cmd);
        const ref = refOf(arg, options);
        const path =
          verb === "enable"
            ? "/v1/clusters/{clusterId}/pools/{poolId}/enable"
            : "/v1/clusters/{clusterId}/pools/{poolId}/disable";
        const answer = dataOf(await session.api.POST(path, poolPath(ref)));
        printPool(session, ref, answer);
      },
    );
  }

  poolCommand(pool, "delete", "Delete a node pool with no machines assigned").action(
    async (arg: string, options: PoolOptions, cmd) => {
      const session = sessionOf(rt, cmd);
      const ref = refOf(arg, options);
      const deleted = dataOf(
        await session.api.DELETE("/v1/clusters/{clusterId}/pools/{poolId}", poolPath(ref)),
      );
      printDeleted(session, "pool", `${ref.cluster}/${deleted.name}`, deleted);
    },
  );

  poolCommand(pool, "status", "A pool's machines per state, bounds, and why it did or did not scale").action(
    async (arg: string, options: PoolOptions, cmd) => {
      const session = sessionOf(rt, cmd);
      const ref = refOf(arg, options);
      const status = await fetchPoolStatus(session.api, ref);
      session.printAnswer("pool", `${ref.cluster}/${status.name}`, status, () =>
        renderPoolStatus(status, ref.cluster, session.deps.now()),
      );
    },
  );

  poolCommand(pool, "wait", "Wait until the pool has --size machines ready (progress on a terminal)")
    .requiredOption("--size <n>", "the number of ready machines to wait for", wholeNumber)
    .option("--timeout <duration>", "give up after this long (exit 7), e.g. 90s, 10m", durationMs, 600_000)
    .option("--interval <duration>", "how often to ask", durationMs, 2000)
    .action(
      async (
        arg: string,
        options: PoolOptions & { size: number; timeout: number; interval: number },
        cmd,
      ) => {
        const session = sessionOf(rt, cmd);
        const ref = refOf(arg, options);
        const { deps } = session;
        const deadline = deps.now() + options.timeout;
        const stop = deps.onInterrupt();
        let status = await fetchPoolStatus(session.api, ref);
        const progress = startProgress(
          deps.progressStream,
          `${ref.cluster}/${status.name}`,
          options.size,
          "ready",
        );
        try {
          while (status.counts.ready !== options.size) {
            progress.update(Math.min(status.counts.ready ?? 0, options.size));
            if (deps.now() >= deadline || stop.aborted) {
              throw new CliError(
                formatError(
                  `pool ${ref.cluster}/${status.name} has ${status.counts.ready} ready, not ${options.size}, ` +
                    `after ${Math.round(options.timeout / 1000)}s`,
                ),
                { exitCode: EXIT_TIMEOUT },
              );
            }
            await deps.sleep(Math.min(options.interval, Math.max(0, deadline - deps.now())), stop);
            status = await fetchPoolStatus(session.api, ref);
          }
          progress.update(options.size);
        } finally {
          progress.stop();
        }
        session.printAnswer("pool", `${ref.cluster}/${status.name}`, status, () =>
          forPeople(session.config)
            ? `pool ${ref.cluster}/${status.name}: ${status.counts.ready} ready\n`
            : "",
        );
      },
    );
}
