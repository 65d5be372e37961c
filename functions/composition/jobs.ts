/** Wires the job registry, the runner and the queue consumer; shared by both entries. */

import type { Logger } from "../../shared/logger.ts";
import { defaultJobRegistry, type JobRegistry } from "../jobs/registry.ts";
import { type JobRunnerDeps, jobBatchHandler } from "../jobs/runner.ts";
import type { QueueOutcome } from "../lib/metrics/types.ts";
import { type ConsumeBatch, createConsumer, type RetryPolicy } from "../queue/consumer.ts";
import type { Decision, JobQueue } from "../queue/types.ts";
import type { AppDeps } from "./types.ts";

const QUEUE_OUTCOME: Record<Decision["action"], QueueOutcome> = {
  ack: "acked",
  retry: "retried",
  park: "parked",
};

export interface JobsWiring {
  runner: JobRunnerDeps;
  /** a delivery batch, as the queues deliver them */
  consumeBatch: ConsumeBatch;
}

export function wireJobs(opts: {
  app: AppDeps;
  queue: JobQueue;
  registry?: JobRegistry;
  logger?: Logger;
  policy?: RetryPolicy;
}): JobsWiring {
  const runner: JobRunnerDeps = {
    app: opts.app,
    registry: opts.registry ?? defaultJobRegistry(),
    queue: opts.queue,
  };
  const decide = createConsumer({
    handle: jobBatchHandler(runner),
    logger: opts.logger ?? opts.app.logger,
    policy: opts.policy,
  });
  // Counted here, the one place both the Worker's queue() and the in-process queue go through.
  const consumeBatch: ConsumeBatch = async (deliveries) => {
    const decisions = await decide(deliveries);
    for (const decision of decisions) opts.app.metrics.queueDecision(QUEUE_OUTCOME[decision.action]);
    return decisions;
  };
  return { runner, consumeBatch };
}
