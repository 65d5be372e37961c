/**
 * Wires the job registry, the runner and the queue consumer; shared by both
 * entries. Every message the consumer parks is recorded as a dead letter
 * before the transport acks it (queue/parking.ts), and the Worker's
 * dead-letter queue is recorded through the same service.
 */

import type { DeadLetterSource } from "../../drizzle/schema/dead-letters.ts";
import type { Logger } from "../../shared/logger.ts";
import { defaultJobRegistry, type JobRegistry } from "../jobs/registry.ts";
import { type JobRunnerDeps, jobBatchHandler } from "../jobs/runner.ts";
import type { QueueOutcome } from "../lib/metrics/types.ts";
import { type ConsumeBatch, createConsumer, type RetryPolicy } from "../queue/consumer.ts";
import { type RecordParked, recordParking } from "../queue/parking.ts";
import type { Decision, JobQueue } from "../queue/types.ts";
import { recordDeadLetters } from "../services/dead-letters/record-dead-letter.ts";
import { RequestScope } from "./request-scope.ts";
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
  /** records messages from a dead-letter queue (the Worker's ksp-jobs-dlq consumer) */
  recordDeadLetters: RecordParked;
}

/** Writes dead letters with a database lease of their own, given back at once. */
export function deadLetterRecorder(app: AppDeps, source: DeadLetterSource): RecordParked {
  return async (letters) => {
    const scope = new RequestScope(app, `dead-letters-${crypto.randomUUID()}`);
    try {
      const ctx = await scope.serviceContext("system");
      await recordDeadLetters({ ctx, input: { source, letters } });
    } finally {
      await scope.dispose();
    }
  };
}

export function wireJobs(opts: {
  app: AppDeps;
  queue: JobQueue;
  registry?: JobRegistry;
  logger?: Logger;
  policy?: RetryPolicy;
  /** where dead letters go; default: the database (deadLetterRecorder) */
  recordParked?: (source: DeadLetterSource) => RecordParked;
}): JobsWiring {
  const logger = opts.logger ?? opts.app.logger;
  const recorder = opts.recordParked ?? ((source: DeadLetterSource) => deadLetterRecorder(opts.app, source));
  const runner: JobRunnerDeps = {
    app: opts.app,
    registry: opts.registry ?? defaultJobRegistry(),
    queue: opts.queue,
  };
  const decide = recordParking(
    createConsumer({ handle: jobBatchHandler(runner), logger, policy: opts.policy }),
    recorder("consumer"),
    logger,
  );
  // Counted here, the one place both the Worker's queue() and the in-process queue go through.
  const consumeBatch: ConsumeBatch = async (deliveries) => {
    const decisions = await decide(deliveries);
    for (const decision of decisions) opts.app.metrics.queueDecision(QUEUE_OUTCOME[decision.action]);
    return decisions;
  };
  return { runner, consumeBatch, recordDeadLetters: recorder("dlq") };
}
