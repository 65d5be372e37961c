/** Wires the job registry, the runner and the queue consumer; shared by both entries. */

import type { Logger } from "../../shared/logger.ts";
import { defaultJobRegistry, type JobRegistry } from "../jobs/registry.ts";
import { type JobRunnerDeps, jobBatchHandler } from "../jobs/runner.ts";
import {
  type Consume,
  type ConsumeBatch,
  consumeOne,
  createConsumer,
  type RetryPolicy,
} from "../queue/consumer.ts";
import type { JobQueue } from "../queue/types.ts";
import type { AppDeps } from "./types.ts";

export interface JobsWiring {
  runner: JobRunnerDeps;
  /** a delivery batch, as the queues deliver them */
  consumeBatch: ConsumeBatch;
  /** one delivery alone (a batch of one) */
  consume: Consume;
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
  const consumeBatch = createConsumer({
    handle: jobBatchHandler(runner),
    logger: opts.logger ?? opts.app.logger,
    policy: opts.policy,
  });
  return { runner, consumeBatch, consume: consumeOne(consumeBatch) };
}
