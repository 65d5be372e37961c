/** Wires the job registry, the runner and the queue consumer; shared by both entries. */

import type { Logger } from "../../shared/logger.ts";
import { defaultJobRegistry, type JobRegistry } from "../jobs/registry.ts";
import { type JobRunnerDeps, jobMessageHandler } from "../jobs/runner.ts";
import { type Consume, createConsumer, type RetryPolicy } from "../queue/consumer.ts";
import type { JobQueue } from "../queue/types.ts";
import type { AppDeps } from "./types.ts";

export interface JobsWiring {
  runner: JobRunnerDeps;
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
  const handle = jobMessageHandler(runner);
  const consume = createConsumer({ handle, logger: opts.logger ?? opts.app.logger, policy: opts.policy });
  return { runner, consume };
}
