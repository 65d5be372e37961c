/**
 * The pipeline engine (issue 5): runs a pipeline over hosts with bounded
 * concurrency, one SSH session per host, and streams a StepResult per step as
 * it happens. A failure stops that host only. Dry-run and the plan never
 * touch the connector.
 */
import { type Clock, systemClock } from "../../shared/clock.ts";
import type { Logger } from "../../shared/logger.ts";
import type { SshConnector } from "../ssh/types.ts";
import { dryRunResults } from "./dry-run.ts";
import { type PipelineHost, runHost } from "./host-run.ts";
import { DEFAULT_TAIL, type TailLimits } from "./output-tail.ts";
import { type ConcurrencyLimits, runBounded, validateLimits } from "./scheduler.ts";
import { planHost, type Selection, validateSelection } from "./selection.ts";
import type { HostResult, Pipeline, StepResult } from "./types.ts";

export type { HostPlan, PlanEntry, PlanOptions } from "./dry-run.ts";
export { planPipeline } from "./dry-run.ts";
export type { PipelineHost } from "./host-run.ts";
export type { TailLimits } from "./output-tail.ts";
export type { ConcurrencyLimits } from "./scheduler.ts";
export type { Selection, SkipReason } from "./selection.ts";

export interface RunPipelineOptions extends Selection {
  pipeline: Pipeline;
  hosts: readonly PipelineHost[];
  connector: SshConnector;
  concurrency: ConcurrencyLimits;
  /** list every step per host (`not-run` / `skipped`) without connecting */
  dryRun?: boolean;
  /** each step's result as soon as it is known, in step order per host */
  onResult?: (result: StepResult) => void;
  /** a host key learned under pin-on-first-use, to be stored on the machine */
  onPinned?: (hostId: string, fingerprint: string) => void;
  /** cancels the run: in-flight steps are aborted and fail, hosts not yet started fail at their first step */
  signal?: AbortSignal;
  clock?: Clock;
  logger: Logger;
  /** how much stdout/stderr a result keeps */
  tail?: TailLimits;
}

/**
 * Resolves with one HostResult per host, in `hosts` order. Rejects only for
 * bad options (AgentError invalid_argument), before anything runs.
 */
export async function runPipeline(options: RunPipelineOptions): Promise<HostResult[]> {
  const { pipeline, hosts, logger } = options;
  validateLimits(options.concurrency);
  validateSelection(
    pipeline,
    hosts.map((h) => h.host.id),
    options,
  );
  const emit = safeEmitter(options.onResult, logger);
  if (options.dryRun === true) return dryRunResults(options, emit);

  const clock = options.clock ?? systemClock;
  const startedAt = clock.now().getTime();
  logger.info("pipeline started", { pipeline: pipeline.name, hosts: hosts.length, ...options.concurrency });
  const results = await runBounded(
    hosts,
    (job) => `${job.target.host}:${job.target.port}`,
    options.concurrency,
    (job) =>
      runHost(job, planHost(pipeline, job.host.id, options), {
        pipeline,
        connector: options.connector,
        tail: options.tail ?? DEFAULT_TAIL,
        signal: options.signal,
        clock,
        logger,
        emit,
        onPinned: options.onPinned,
      }),
  );
  logger.info("pipeline finished", {
    pipeline: pipeline.name,
    ok: results.filter((r) => r.ok).length,
    failed: results.filter((r) => !r.ok).map((r) => ({ hostId: r.hostId, step: r.failedStep })),
    durationMs: clock.now().getTime() - startedAt,
  });
  return results;
}

/** A listener that throws must not break the run (or other hosts' results). */
function safeEmitter(onResult: ((result: StepResult) => void) | undefined, logger: Logger) {
  return (result: StepResult) => {
    if (onResult === undefined) return;
    try {
      onResult(result);
    } catch (err) {
      logger.error("result listener failed", { step: result.step, hostId: result.hostId, error: err });
    }
  };
}
