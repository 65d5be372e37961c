/**
 * The Worker's consumer of the dead-letter queue (wrangler.toml: ksp-jobs-dlq).
 * Cloudflare moves a message there after max_retries deliveries, which the
 * job consumer's own policy (parking after DEFAULT_RETRY_POLICY.maxAttempts)
 * only leaves behind when an invocation crashed or timed out before deciding.
 * Each message is recorded (once per message id) and then acked; a batch
 * whose records cannot be written is retried, never acked unrecorded, since
 * Cloudflare deletes queue messages after a few days.
 */
import type { Logger } from "../../shared/logger.ts";
import type { MessageBatch } from "../composition/cloudflare.ts";
import type { ParkedDelivery } from "./parking.ts";

export const DEAD_LETTER_QUEUE_SUFFIX = "-dlq";

export const DLQ_REASON =
  "Cloudflare moved it to the dead-letter queue after max_retries deliveries (an invocation that crashed or timed out)";

/** How long a batch whose records could not be written waits before it comes back. */
export const DLQ_RETRY_SECONDS = 60;

/** Dead-letter queues are named after the queue they serve: ksp-jobs → ksp-jobs-dlq. */
export function isDeadLetterQueue(queue: string): boolean {
  return queue.endsWith(DEAD_LETTER_QUEUE_SUFFIX);
}

/** The queue a dead-letter queue's messages were meant for. */
export function servedQueue(deadLetterQueue: string): string {
  return deadLetterQueue.slice(0, -DEAD_LETTER_QUEUE_SUFFIX.length);
}

export async function deliverDeadLetterBatch(
  batch: MessageBatch,
  record: (letters: readonly ParkedDelivery[]) => Promise<void>,
  logger: Logger,
): Promise<void> {
  const queue = servedQueue(batch.queue);
  try {
    await record(
      batch.messages.map((m) => ({
        body: m.body,
        attempts: m.attempts,
        reason: DLQ_REASON,
        messageId: m.id,
        queue,
      })),
    );
  } catch (err) {
    logger.error("dead-letter queue messages could not be recorded; retrying them", {
      queue: batch.queue,
      ids: batch.messages.map((m) => m.id),
      error: err,
    });
    batch.retryAll({ delaySeconds: DLQ_RETRY_SECONDS });
    return;
  }
  batch.ackAll();
  logger.warn("dead-letter queue messages recorded", { queue: batch.queue, count: batch.messages.length });
}
