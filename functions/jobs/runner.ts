/**
 * Runs jobs under their coordination lock, each with its own database lease
 * and log context. Shared by the Node scheduler, the Worker's `scheduled()`
 * and the queue's `job.run` / `job.cluster` / `strategy.evaluate` messages;
 * the `strategy.evaluate` messages of a delivery batch are evaluated
 * together (runStrategyEvaluations).
 */
import { RequestScope } from "../composition/request-scope.ts";
import type { AppDeps } from "../composition/types.ts";
import { markWorkChanged, WORK_TOKEN_KEY } from "../lib/coordination/work-token.ts";
import { type BatchHandler, settle } from "../queue/consumer.ts";
import { type JobMessage, type JobQueue, PoisonMessageError } from "../queue/types.ts";
import { mapBounded } from "./bounded.ts";
import {
  evaluateStrategiesJob,
  evaluateStrategyBatch,
  evaluateStrategyTarget,
  type StrategyTarget,
} from "./evaluate-strategies.ts";
import type { IdleView } from "./idle.ts";
import type { JobRegistry } from "./registry.ts";
import type { Job, JobContext, JobOutcome } from "./types.ts";

export interface JobRunnerDeps {
  app: AppDeps;
  registry: JobRegistry;
  queue: JobQueue;
}

interface ScopedRun {
  job: Job;
  trigger: string;
  /** extra log fields, e.g. the cluster of a fanned-out run */
  logFields?: Record<string, unknown>;
  work(ctx: JobContext): Promise<void>;
}

interface LockedRun extends ScopedRun {
  lockKey: string;
}

/** The work with its own database lease and log context; a throw becomes a "failed" outcome. */
async function runScoped(deps: JobRunnerDeps, run: ScopedRun): Promise<JobOutcome> {
  const { job } = run;
  const runId = `job-${job.name}-${crypto.randomUUID()}`;
  const scope = new RequestScope(deps.app, runId);
  const logger = scope.logger.child({ job: job.name, trigger: run.trigger, ...run.logFields });
  const started = performance.now();
  const durationMs = () => Math.round(performance.now() - started);
  try {
    await run.work({
      clock: deps.app.clock,
      logger,
      coordination: deps.app.coordination,
      database: () => scope.database(),
      queue: deps.queue,
      runId,
      policy: deps.app.config.policy,
      webhooks: deps.app.webhooks,
      ...(deps.app.encryption ? { encryption: deps.app.encryption } : {}),
      ...(deps.app.apiServerProbe ? { apiServerProbe: deps.app.apiServerProbe } : {}),
    });
    deps.app.metrics.jobRun(job.name, "ok", (performance.now() - started) / 1000);
    // queued work (a cluster's expiry, a strategy's order, a check) may leave work for other jobs
    if (run.trigger === "queue") await markWorkChanged(deps.app.coordination, logger);
    return { job: job.name, outcome: "ok", durationMs: durationMs() };
  } catch (err) {
    deps.app.metrics.jobRun(job.name, "failed", (performance.now() - started) / 1000);
    logger.error("job failed", { error: err, stack: err instanceof Error ? err.stack : undefined });
    return {
      job: job.name,
      outcome: "failed",
      error: err instanceof Error ? err.message : String(err),
      durationMs: durationMs(),
      ...(err instanceof PoisonMessageError ? { poison: true as const } : {}),
    };
  } finally {
    await scope.dispose();
  }
}

async function runLocked(deps: JobRunnerDeps, run: LockedRun): Promise<JobOutcome> {
  const { coordination } = deps.app;
  const lock = await coordination.acquireLock(run.lockKey, run.job.lockTtlMs);
  if (!lock) {
    deps.app.metrics.jobRun(run.job.name, "busy");
    return { job: run.job.name, outcome: "busy" };
  }
  try {
    return await runScoped(deps, run);
  } finally {
    await coordination
      .releaseLock(lock)
      .catch((err: unknown) =>
        deps.app.logger.warn("job lock release failed", { job: run.job.name, ...run.logFields, error: err }),
      );
  }
}

export function runJob(deps: JobRunnerDeps, job: Job, trigger: string): Promise<JobOutcome> {
  return runLocked(deps, { job, lockKey: `job:${job.name}`, trigger, work: (ctx) => job.run(ctx) });
}

/** One cluster's share of a fanned-out job; its lock is per job and cluster. */
export function runClusterJob(
  deps: JobRunnerDeps,
  job: Job,
  clusterId: string,
  trigger: string,
): Promise<JobOutcome> {
  const runForCluster = job.runForCluster;
  if (!runForCluster) throw new PoisonMessageError(`job "${job.name}" has no per-cluster work`);
  return runLocked(deps, {
    job,
    lockKey: `job:${job.name}:cluster:${clusterId}`,
    trigger,
    logFields: { clusterId },
    work: (ctx) => runForCluster.call(job, ctx, clusterId),
  });
}

/**
 * One strategy's evaluation of one pool (a `strategy.evaluate` message). Its
 * lock is per strategy, cluster and pool: two deliveries of one message never
 * evaluate at once, while other pools and strategies go on in parallel.
 */
export function runStrategyEvaluation(deps: JobRunnerDeps, target: StrategyTarget): Promise<JobOutcome> {
  const job = evaluateStrategiesJob;
  return runLocked(deps, {
    job,
    lockKey: `job:${job.name}:strategy:${target.strategyId}:cluster:${target.clusterId}:pool:${target.poolId}`,
    trigger: "queue",
    logFields: { ...target },
    work: (ctx) => evaluateStrategyTarget(ctx, target).then(() => undefined),
  });
}

/**
 * The jobs whose idle markers say there is nothing to do (jobs/idle.ts): every marker and the
 * work token in ONE coordination round trip; none when the store is not shared or fails.
 */
async function idleJobs(deps: JobRunnerDeps, jobs: readonly Job[]): Promise<Set<string>> {
  const { coordination, clock, config, encryption } = deps.app;
  const idle = new Set<string>();
  if (!coordination.sharedAcrossReplicas) return idle;
  const view: IdleView = {
    now: clock.now(),
    token: null,
    policy: config.policy,
    ...(encryption ? { encryption } : {}),
  };
  const checked = jobs.flatMap((job) =>
    job.idle ? [{ job, check: job.idle, key: job.idle.key(view) }] : [],
  );
  const keys = checked.flatMap(({ key }) => (key === null ? [] : [key]));
  let values: unknown[] = [null];
  try {
    if (keys.length > 0) values = await coordination.cacheGetMany([WORK_TOKEN_KEY, ...keys]);
  } catch (err) {
    deps.app.logger.warn("idle markers unreadable; every job looks in the database", { error: err });
    return idle;
  }
  view.token = typeof values[0] === "string" ? values[0] : null;
  let next = 1;
  for (const { job, check, key } of checked) {
    const value = key === null ? null : values[next++];
    if (check.idle(value, view)) idle.add(job.name);
  }
  return idle;
}

function runUnlocked(deps: JobRunnerDeps, job: Job, trigger: string): Promise<JobOutcome> {
  return runScoped(deps, { job, trigger, work: (ctx) => job.run(ctx) });
}

/**
 * One scheduler tick: every registered job, one after another; a failure does not stop the rest.
 * A job whose marker says idle is skipped before its lock (an idle tick: one coordination round
 * trip, no database); a job marked `unlocked` runs without one.
 */
export async function runScheduledJobs(deps: JobRunnerDeps, trigger: string): Promise<JobOutcome[]> {
  const outcomes: JobOutcome[] = [];
  const jobs = deps.registry.list();
  const idle = await idleJobs(deps, jobs);
  for (const job of jobs) {
    if (idle.has(job.name)) {
      outcomes.push({ job: job.name, outcome: "ok", durationMs: 0, idle: true });
      continue;
    }
    outcomes.push(
      await (job.unlocked ? runUnlocked(deps, job, trigger) : runJob(deps, job, trigger)).catch(
        (err: unknown) => ({
          job: job.name,
          outcome: "failed" as const,
          error: err instanceof Error ? err.message : String(err),
          durationMs: 0,
        }),
      ),
    );
  }
  // Quiet when all is well (a tick every minute); loud when something needs a look.
  const healthy = outcomes.every((o) => o.outcome === "ok");
  deps.app.logger[healthy ? "debug" : "warn"]("scheduled jobs ran", { trigger, outcomes });
  return outcomes;
}

/**
 * The `strategy.evaluate` messages of one delivery batch: read and assessed together, the rows that
 * decide nothing written at once (no lock: evaluate-strategies.ts step 2), then each pool that
 * triggered through the locked per-pool path. One settled result per target, in order.
 */
export async function runStrategyEvaluations(
  deps: JobRunnerDeps,
  targets: readonly StrategyTarget[],
): Promise<PromiseSettledResult<void>[]> {
  const job = evaluateStrategiesJob;
  let verdicts: Awaited<ReturnType<typeof evaluateStrategyBatch>> = [];
  const batch = await runScoped(deps, {
    job,
    trigger: "queue",
    logFields: { evaluations: targets.length },
    work: async (ctx) => {
      verdicts = await evaluateStrategyBatch(ctx, targets);
    },
  });
  const results: PromiseSettledResult<void>[] = [];
  for (const [i, target] of targets.entries()) {
    const verdict = verdicts[i];
    if (batch.outcome !== "ok" || verdict === undefined) {
      results.push({ status: "rejected", reason: new Error(`job "${job.name}" failed: ${failure(batch)}`) });
    } else if (verdict.verdict === "failed") {
      results.push({ status: "rejected", reason: verdict.error });
    } else if (verdict.verdict === "triggered") {
      results.push(await settle(runStrategyEvaluation(deps, target).then(throwUnlessOk)));
    } else {
      results.push({ status: "fulfilled", value: undefined });
    }
  }
  return results;
}

const failure = (outcome: JobOutcome) => (outcome.outcome === "failed" ? outcome.error : outcome.outcome);

/** Busy and failed runs throw, so the queue retries their message. */
function throwUnlessOk(result: JobOutcome): void {
  if (result.outcome === "busy") throw new Error(`job "${result.job}" is running elsewhere`);
  if (result.outcome !== "failed") return;
  const message = `job "${result.job}" failed: ${result.error}`;
  // a job that says retrying cannot help has its message parked at once, not retried to the limit
  throw result.poison ? new PoisonMessageError(message) : new Error(message);
}

/** One `job.run` or `job.cluster` message. */
async function runJobMessage(
  deps: JobRunnerDeps,
  message: Exclude<JobMessage, { type: "strategy.evaluate" }>,
) {
  const job = deps.registry.get(message.job);
  if (!job) throw new PoisonMessageError(`unknown job "${message.job}"`);
  throwUnlessOk(
    message.type === "job.cluster"
      ? await runClusterJob(deps, job, message.clusterId, "queue")
      : await runJob(deps, job, "queue"),
  );
}

/** How many of a message's job's `job.cluster` messages may run at once (1: one after another). */
function clusterConcurrency(deps: JobRunnerDeps, message: JobMessage): { job: Job; limit: number } | null {
  if (message.type !== "job.cluster") return null;
  const job = deps.registry.get(message.job);
  const limit = job?.clusterConcurrency?.(deps.app.config.policy) ?? 1;
  return job && limit > 1 ? { job, limit } : null;
}

/**
 * The queue handler for a delivery batch of job messages: its `strategy.evaluate` messages
 * together (runStrategyEvaluations), the `job.cluster` messages of a job that allows it
 * (Job.clusterConcurrency) side by side up to its bound, the others one after another. A
 * rejected result has its message retried; PoisonMessageError parks it.
 */
export function jobBatchHandler(deps: JobRunnerDeps): BatchHandler {
  return async (messages) => {
    const results: PromiseSettledResult<void>[] = [];
    const evaluations: { index: number; target: StrategyTarget }[] = [];
    type ClusterMessage = Exclude<JobMessage, { type: "strategy.evaluate" }>;
    const sideBySide = new Map<Job, { limit: number; items: { index: number; message: ClusterMessage }[] }>();
    for (const [index, message] of messages.entries()) {
      const parallel = clusterConcurrency(deps, message);
      if (message.type === "strategy.evaluate") {
        const { strategyId, clusterId, poolId, runKey } = message;
        evaluations.push({ index, target: { strategyId, clusterId, poolId, runKey } });
      } else if (parallel) {
        const group = sideBySide.get(parallel.job) ?? { limit: parallel.limit, items: [] };
        group.items.push({ index, message });
        sideBySide.set(parallel.job, group);
      } else {
        results[index] = await settle(runJobMessage(deps, message));
      }
    }
    for (const { limit, items } of sideBySide.values()) {
      const settled = await mapBounded(items, limit, ({ message }) => settle(runJobMessage(deps, message)));
      for (const [i, { index }] of items.entries()) results[index] = settled[i]!;
    }
    if (evaluations.length > 0) {
      const settled = await runStrategyEvaluations(
        deps,
        evaluations.map((e) => e.target),
      );
      for (const [i, { index }] of evaluations.entries()) results[index] = settled[i]!;
    }
    return results;
  };
}
