/**
 * The one consumer logic behind the Worker's `queue()` handler and the
 * in-process queue: validate, dispatch, then ack, retry with exponential
 * backoff, or park a message that failed too often or can never succeed.
 *
 * It takes a delivery batch (Cloudflare's `MessageBatch`, or the in-process
 * queue's due messages) and hands the handler all of its valid messages at
 * once, so a handler may serve several with one query (runner.ts does for
 * `strategy.evaluate`); the handler still answers for each message on its
 * own, and each gets its own decision by its own attempts.
 */
import type { Logger } from "../../shared/logger.ts";
import { type Decision, type JobMessage, JobMessageSchema, PoisonMessageError } from "./types.ts";

export interface RetryPolicy {
  /** Deliveries after which a still-failing message is parked instead of retried. */
  maxAttempts: number;
  baseDelaySeconds: number;
  maxDelaySeconds: number;
}

// maxAttempts stays below wrangler.toml's max_retries, so parking (logged here)
// happens before Cloudflare moves the message to the dead-letter queue.
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  baseDelaySeconds: 5,
  maxDelaySeconds: 300,
};

/** Delay before delivery number `attempts + 1`: base, 2×base, 4×base, … capped. */
export function backoffSeconds(attempts: number, policy: RetryPolicy): number {
  const exponent = Math.max(0, attempts - 1);
  return Math.min(policy.maxDelaySeconds, policy.baseDelaySeconds * 2 ** exponent);
}

/**
 * Messages per delivery batch: wrangler.toml's max_batch_size (Cloudflare's maximum), which the
 * in-process queue copies. The daily strategy run sends thousands of `strategy.evaluate`
 * messages; a batch of 100 is read with one query and its history rows written with one insert.
 */
export const DEFAULT_BATCH_SIZE = 100;

export interface Delivery {
  body: unknown;
  /** 1 on the first delivery */
  attempts: number;
  /** the transport's message id: a parked message redelivered is recorded once (dead_letters) */
  id?: string;
  /** the queue it came from ("ksp-jobs" on Workers, "in-process" on Node) */
  queue?: string;
}

/** One message: resolves when it is done, throws to have it retried (PoisonMessageError: parked). */
export type MessageHandler = (message: JobMessage) => Promise<void>;
/** A batch's valid messages: one settled result per message, in the same order. */
export type BatchHandler = (messages: readonly JobMessage[]) => Promise<PromiseSettledResult<void>[]>;
/** One decision per delivery, in the same order. */
export type ConsumeBatch = (deliveries: readonly Delivery[]) => Promise<Decision[]>;
/** One delivery alone (a batch of one). */
export type Consume = (body: unknown, attempts: number) => Promise<Decision>;

/** A batch handler that handles one message after another. */
export function oneAtATime(handle: MessageHandler): BatchHandler {
  return async (messages) => {
    const results: PromiseSettledResult<void>[] = [];
    for (const message of messages) results.push(await settle(handle(message)));
    return results;
  };
}

export function settle(work: Promise<void>): Promise<PromiseSettledResult<void>> {
  return work.then(
    () => ({ status: "fulfilled", value: undefined }),
    (reason: unknown) => ({ status: "rejected", reason }),
  );
}

function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function createConsumer(deps: {
  handle: BatchHandler;
  logger: Logger;
  policy?: RetryPolicy;
}): ConsumeBatch {
  const policy = deps.policy ?? DEFAULT_RETRY_POLICY;
  const decide = (message: JobMessage, attempts: number, result: PromiseSettledResult<void>): Decision => {
    if (result.status === "fulfilled") return { action: "ack" };
    const err = result.reason;
    if (err instanceof PoisonMessageError) return { action: "park", reason: err.message };
    const reason = reasonOf(err);
    if (attempts >= policy.maxAttempts)
      return { action: "park", reason: `gave up after ${attempts} attempts: ${reason}` };
    deps.logger.warn("queue message failed; will retry", { type: message.type, attempts, error: err });
    return { action: "retry", delaySeconds: backoffSeconds(attempts, policy), reason };
  };

  return async (deliveries) => {
    const decisions: Decision[] = [];
    const valid: { index: number; message: JobMessage; attempts: number }[] = [];
    for (const [index, delivery] of deliveries.entries()) {
      const parsed = JobMessageSchema.safeParse(delivery.body);
      if (parsed.success) valid.push({ index, message: parsed.data, attempts: delivery.attempts });
      else
        decisions[index] = {
          action: "park",
          reason: `not a job message: ${parsed.error.issues[0]?.message ?? "invalid"}`,
        };
    }
    if (valid.length > 0) {
      // a handler that throws outright fails every message it was given (each retried by its attempts)
      const results = await deps
        .handle(valid.map((v) => v.message))
        .catch((reason: unknown) =>
          valid.map((): PromiseSettledResult<void> => ({ status: "rejected", reason })),
        );
      for (const [i, v] of valid.entries()) decisions[v.index] = decide(v.message, v.attempts, results[i]!);
    }
    return decisions;
  };
}
