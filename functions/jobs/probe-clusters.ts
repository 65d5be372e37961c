/**
 * The health worker: every cluster with an imported kubeconfig has its API
 * server checked (version, Nodes total/Ready, CPU and memory capacity and
 * allocatable) and the outcome kept as its one cluster_states row, which the
 * cluster list reads; no list ever calls a cluster inline.
 *
 * The scheduled run only picks the clusters that are due (never checked,
 * checked longer than policy.clusterProbeIntervalMs ago, or checked with a
 * kubeconfig since replaced) and sends one `job.cluster` message each: on
 * Node the in-process queue runs them, on Workers the Queue consumer. Each
 * message checks one cluster within policy.clusterProbeTimeoutMs, retries a
 * failed check once after a short pause, and writes the row through the
 * guarded upsert (services/clusters/cluster-state-write.ts). A cluster that
 * cannot be reached is an outcome, not a failure: the message is acked.
 *
 * Checks mostly wait on other hosts, so a delivery batch runs up to
 * policy.clusterProbeConcurrency of them side by side (Job.clusterConcurrency).
 */
import { and, count, eq, isNull, lt, lte, or, sql } from "drizzle-orm";
import { clusterKubeconfigs, clusterStates, clusters } from "../../drizzle/schema/index.ts";
import { DecryptionError } from "../lib/crypto/decryption-error.ts";
import { isAppError } from "../lib/errors.ts";
import type { ApiServerProbe, ProbeResult } from "../lib/kube-probe/types.ts";
import type { ParsedKubeconfig } from "../lib/kubeconfig/types.ts";
import { recordClusterCheck } from "../services/clusters/cluster-state-write.ts";
import { loadKubeconfig } from "../services/clusters/kubeconfig-store.ts";
import { markerCheck, readWorkToken, rememberIdle } from "./idle.ts";
import { jobServiceContext } from "./job-context.ts";
import type { Job, JobContext } from "./types.ts";

export const PROBE_CLUSTERS_JOB = "probe-clusters";
export const NO_KEY_FOR_KUBECONFIGS =
  "cluster API servers are not checked: their kubeconfigs are sealed and no encryption key is configured (set KSP_ENCRYPTION_KEYS to the keys they were sealed with)";

/** The longest timeout policy allows (KSP_CLUSTER_PROBE_TIMEOUT_SECONDS ≤ 60). */
const MAX_TIMEOUT_MS = 60_000;
const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [1_000];

export interface ProbeClustersOptions {
  /** pause before each retry of a failed check; its length is the number of retries */
  retryDelaysMs?: readonly number[];
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A cron tick lands a little before a full interval has passed since the last
 * check (queue latency, the check's own time); without this slack a 60 s
 * interval on a 60 s cron would check every other minute.
 */
export function dueSlackMs(intervalMs: number): number {
  return Math.min(15_000, intervalMs / 4);
}

function dueCutoff(ctx: JobContext): Date {
  const interval = ctx.policy.clusterProbeIntervalMs;
  return new Date(ctx.clock.now().getTime() - interval + dueSlackMs(interval));
}

/** Live clusters with a kubeconfig whose state is missing, stale, or from a replaced kubeconfig. */
async function dueClusters(ctx: JobContext, only?: string): Promise<string[]> {
  const { db } = await ctx.database();
  const rows = await db
    .select({ clusterId: clusterKubeconfigs.clusterId })
    .from(clusterKubeconfigs)
    .innerJoin(clusters, eq(clusters.id, clusterKubeconfigs.clusterId))
    .leftJoin(clusterStates, eq(clusterStates.clusterId, clusterKubeconfigs.clusterId))
    .where(
      and(
        isNull(clusters.deletedAt),
        only === undefined ? undefined : eq(clusterKubeconfigs.clusterId, only),
        or(
          isNull(clusterStates.clusterId),
          lte(clusterStates.checkedAt, dueCutoff(ctx)),
          lt(clusterStates.kubeconfigVersion, clusterKubeconfigs.version),
        ),
      ),
    )
    .orderBy(sql`${clusterStates.checkedAt} asc nulls first`);
  return rows.map((r) => r.clusterId);
}

export const clustersDueForProbe = (ctx: JobContext) => dueClusters(ctx);

async function checkWithRetries(
  probe: ApiServerProbe,
  kubeconfig: ParsedKubeconfig,
  timeoutMs: number,
  retryDelaysMs: readonly number[],
): Promise<ProbeResult> {
  let result = await probe.check(kubeconfig, { timeoutMs });
  for (const delay of retryDelaysMs) {
    // refused credentials or a kubeconfig this runtime cannot use will not change in a second
    if (result.reachable || result.kind !== "unreachable" || result.final) return result;
    await sleep(delay);
    result = await probe.check(kubeconfig, { timeoutMs });
  }
  return result;
}

async function probeCluster(
  ctx: JobContext,
  probe: ApiServerProbe,
  clusterId: string,
  retryDelaysMs: readonly number[],
): Promise<void> {
  // When checks fall behind the interval, the next tick queues a cluster again before its first
  // message ran; the later message then finds it freshly checked and costs one read, not a check.
  if ((await dueClusters(ctx, clusterId)).length === 0) return;
  const service = await jobServiceContext(ctx);
  let loaded: Awaited<ReturnType<typeof loadKubeconfig>>;
  try {
    loaded = await loadKubeconfig(service, clusterId);
  } catch (err) {
    // retrying cannot help either: the key it was sealed with is not in KSP_ENCRYPTION_KEYS, or a
    // stricter build no longer accepts what an older one stored (replace it with PUT …/kubeconfig)
    const unusable = err instanceof DecryptionError || (isAppError(err) && err.code === "validation_failed");
    if (!unusable) throw err;
    ctx.logger.error("cluster kubeconfig cannot be used; not checked", { clusterId, error: err.message });
    return;
  }
  if (!loaded) return; // removed since the fan-out
  const checkedAt = ctx.clock.now();
  const result = await checkWithRetries(
    probe,
    loaded.kubeconfig,
    ctx.policy.clusterProbeTimeoutMs,
    retryDelaysMs,
  );
  const recorded = await recordClusterCheck({
    ctx: service,
    input: { clusterId, kubeconfigVersion: loaded.version, checkedAt, result },
  });
  if (!recorded.written || recorded.previousStatus === recorded.status) return;
  // a line when the status changes, not on every check
  const fields = {
    clusterId,
    status: recorded.status,
    previousStatus: recorded.previousStatus,
    ...(result.reachable ? {} : { error: result.error }),
  };
  if (recorded.status === "healthy") ctx.logger.info("cluster API server status changed", fields);
  else ctx.logger.warn("cluster API server status changed", fields);
}

export function createProbeClustersJob(options: ProbeClustersOptions = {}): Job {
  const retryDelaysMs = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  return {
    name: PROBE_CLUSTERS_JOB,
    // also the per-cluster lock's: every attempt at the longest timeout, the pauses, the database round trips
    lockTtlMs:
      (retryDelaysMs.length + 1) * MAX_TIMEOUT_MS + retryDelaysMs.reduce((a, b) => a + b, 0) + 30_000,
    clusterConcurrency: (policy) => policy.clusterProbeConcurrency,
    // idle while no kubeconfig was stored at the last look and nothing was written since
    idle: markerCheck(PROBE_CLUSTERS_JOB, (marker) => marker.noKubeconfigs === true),
    async run(ctx) {
      if (!ctx.apiServerProbe) {
        ctx.logger.warn("cluster API servers are not checked: this runtime wires no API server probe");
        return;
      }
      const token = await readWorkToken(ctx);
      const kubeconfigs = async () => {
        const { db } = await ctx.database();
        const [stored] = await db.select({ n: count() }).from(clusterKubeconfigs);
        const n = stored?.n ?? 0;
        if (n === 0) await rememberIdle(ctx, PROBE_CLUSTERS_JOB, { noKubeconfigs: true }, token);
        return n;
      };
      if (!ctx.encryption) {
        const n = await kubeconfigs();
        if (n > 0) ctx.logger.warn(NO_KEY_FOR_KUBECONFIGS, { kubeconfigs: n });
        return;
      }
      const clusterIds = await clustersDueForProbe(ctx);
      if (clusterIds.length === 0) await kubeconfigs();
      await ctx.queue.sendBatch(
        clusterIds.map((clusterId) => ({ type: "job.cluster" as const, job: PROBE_CLUSTERS_JOB, clusterId })),
      );
      if (clusterIds.length > 0)
        ctx.logger.debug("cluster checks fanned out", { clusters: clusterIds.length });
    },
    async runForCluster(ctx, clusterId) {
      if (!ctx.apiServerProbe || !ctx.encryption) {
        ctx.logger.warn(
          ctx.encryption ? "no API server probe: cluster not checked" : NO_KEY_FOR_KUBECONFIGS,
          {
            clusterId,
          },
        );
        return;
      }
      await probeCluster(ctx, ctx.apiServerProbe, clusterId, retryDelaysMs);
    },
  };
}

export const probeClustersJob = createProbeClustersJob();
