/**
 * The one consumer logic behind the Worker's `queue()` handler and the
 * in-process queue: validate, dispatch, then ack, retry with exponential
 * backoff, or park a message that failed too often or can never succeed.
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

export type MessageHandler = (message: JobMessage) => Promise<void>;
export type Consume = (body: unknown, attempts: number) => Promise<Decision>;

function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function createConsumer(deps: {
  handle: MessageHandler;
  logger: Logger;
  policy?: RetryPolicy;
}): Consume {
  const policy = deps.policy ?? DEFAULT_RETRY_POLICY;
  return async (body, attempts) => {
    const parsed = JobMessageSchema.safeParse(body);
    if (!parsed.success) {
      return { action: "park", reason: `not a job message: ${parsed.error.issues[0]?.message ?? "invalid"}` };
    }
    try {
      await deps.handle(parsed.data);
      return { action: "ack" };
    } catch (err) {
      if (err instanceof PoisonMessageError) return { action: "park", reason: err.message };
      const reason = reasonOf(err);
      if (attempts >= policy.maxAttempts)
        return { action: "park", reason: `gave up after ${attempts} attempts: ${reason}` };
      deps.logger.warn("queue message failed; will retry", { type: parsed.data.type, attempts, error: err });
      return { action: "retry", delaySeconds: backoffSeconds(attempts, policy), reason };
    }
  };
}
