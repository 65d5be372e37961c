/**
 * Runs jobs under their coordination lock, each with its own database lease
 * and log context. Shared by the Node scheduler, the Worker's `scheduled()`
 * and the queue's `job.run` / `job.cluster` / `strategy.evaluate` messages.
 */
import { RequestScope } from "../composition/request-scope.ts";
import type { AppDeps } from "../composition/types.ts";
import { type JobMessage, type JobQueue, PoisonMessageError } from "../queue/types.ts";
import { evaluateStrategiesJob, evaluateStrategyTarget, type StrategyTarget } from "./evaluate-strategies.ts";
import type { JobRegistry } from "./registry.ts";
import type { Job, JobContext, JobOutcome } from "./types.ts";

export interface JobRunnerDeps {
  app: AppDeps;
  registry: JobRegistry;
  queue: JobQueue;
}

interface LockedRun {
  job: Job;
  lockKey: string;
  trigger: string;
  /** extra log fields, e.g. the cluster of a fanned-out run */
  logFields?: Record<string, unknown>;
  work(ctx: JobContext): Promise<void>;
}

async function runLocked(deps: JobRunnerDeps, run: LockedRun): Promise<JobOutcome> {
  const { coordination } = deps.app;
  const { job } = run;
  const lock = await coordination.acquireLock(run.lockKey, job.lockTtlMs);
  if (!lock) return { job: job.name, outcome: "busy" };
  const runId = `job-${job.name}-${crypto.randomUUID()}`;
  const scope = new RequestScope(deps.app, runId);
  const logger = scope.logger.child({ job: job.name, trigger: run.trigger, ...run.logFields });
  const started = performance.now();
  const durationMs = () => Math.round(performance.now() - started);
  try {
    await run.work({
      clock: deps.app.clock,
      logger,
      coordination,
      database: () => scope.database(),
      queue: deps.queue,
      runId,
      policy: deps.app.config.policy,
      webhooks: deps.app.webhooks,
    });
    return { job: job.name, outcome: "ok", durationMs: durationMs() };
  } catch (err) {
    logger.error("job failed", { error: err, stack: err instanceof Error ? err.stack : undefined });
    return {
      job: job.name,
      outcome: "failed",
      error: err instanceof Error ? err.message : String(err),
      durationMs: durationMs(),
    };
  } finally {
    await scope.dispose();
    await coordination
      .releaseLock(lock)
      .catch((err: unknown) => logger.warn("job lock release failed", { error: err }));
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

/** One scheduler tick: every registered job, one after another; a failure does not stop the rest. */
export async function runScheduledJobs(deps: JobRunnerDeps, trigger: string): Promise<JobOutcome[]> {
  const outcomes: JobOutcome[] = [];
  for (const job of deps.registry.list()) {
    outcomes.push(
      await runJob(deps, job, trigger).catch((err: unknown) => ({
        job: job.name,
        outcome: "failed" as const,
        error: err instanceof Error ? err.message : String(err),
        durationMs: 0,
      })),
    );
  }
  // Quiet when all is well (a tick every minute); loud when something needs a look.
  const healthy = outcomes.every((o) => o.outcome === "ok");
  deps.app.logger[healthy ? "debug" : "warn"]("scheduled jobs ran", { trigger, outcomes });
  return outcomes;
}

/** The queue handler for job messages: throws to have the message retried, PoisonMessageError to park it. */
export function jobMessageHandler(deps: JobRunnerDeps) {
  return async (message: JobMessage): Promise<void> => {
    let result: JobOutcome;
    if (message.type === "strategy.evaluate") {
      const { strategyId, clusterId, poolId, runKey } = message;
      result = await runStrategyEvaluation(deps, { strategyId, clusterId, poolId, runKey });
    } else {
      const job = deps.registry.get(message.job);
      if (!job) throw new PoisonMessageError(`unknown job "${message.job}"`);
      result =
        message.type === "job.cluster"
          ? await runClusterJob(deps, job, message.clusterId, "queue")
          : await runJob(deps, job, "queue");
    }
    if (result.outcome === "busy") throw new Error(`job "${result.job}" is running elsewhere`);
    if (result.outcome === "failed") throw new Error(`job "${result.job}" failed: ${result.error}`);
  };
}
