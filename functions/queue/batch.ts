/**
 * Applies the consumer's decisions to a Cloudflare message batch: ack,
 * retry with the backoff delay, or park (log, then ack so Cloudflare stops
 * redelivering; a later issue stores parked messages).
 */

import type { Logger } from "../../shared/logger.ts";
import type { MessageBatch } from "../composition/cloudflare.ts";
import type { Consume } from "./consumer.ts";

export interface BatchSummary {
  acked: number;
  retried: number;
  parked: number;
}

export async function deliverBatch(
  batch: MessageBatch,
  consume: Consume,
  logger: Logger,
): Promise<BatchSummary> {
  const summary: BatchSummary = { acked: 0, retried: 0, parked: 0 };
  for (const message of batch.messages) {
    const decision = await consume(message.body, message.attempts).catch((err: unknown) => ({
      action: "retry" as const,
      delaySeconds: 1,
      reason: err instanceof Error ? err.message : String(err),
    }));
    if (decision.action === "ack") {
      message.ack();
      summary.acked++;
    } else if (decision.action === "retry") {
      message.retry({ delaySeconds: decision.delaySeconds });
      summary.retried++;
    } else {
      logger.error("queue message parked", {
        queue: batch.queue,
        id: message.id,
        attempts: message.attempts,
        body: message.body,
        reason: decision.reason,
      });
      message.ack();
      summary.parked++;
    }
  }
  logger.info("queue batch delivered", { queue: batch.queue, ...summary });
  return summary;
}
