/**
 * Applies the consumer's decisions to a Cloudflare message batch: ack,
 * retry with the backoff delay, or park (the consumer has recorded it as a
 * dead letter by then, queue/parking.ts; log, then ack so Cloudflare stops
 * redelivering). The whole batch goes
 * to the consumer at once (it may serve several messages with one query);
 * each message still gets its own decision.
 */

import type { Logger } from "../../shared/logger.ts";
import type { MessageBatch } from "../composition/cloudflare.ts";
import type { ConsumeBatch } from "./consumer.ts";
import type { Decision } from "./types.ts";

export interface BatchSummary {
  acked: number;
  retried: number;
  parked: number;
}

export async function deliverBatch(
  batch: MessageBatch,
  consume: ConsumeBatch,
  logger: Logger,
): Promise<BatchSummary> {
  const summary: BatchSummary = { acked: 0, retried: 0, parked: 0 };
  const decisions = await consume(
    batch.messages.map((m) => ({ body: m.body, attempts: m.attempts, id: m.id, queue: batch.queue })),
  ).catch((err: unknown) =>
    batch.messages.map(
      (): Decision => ({
        action: "retry",
        delaySeconds: 1,
        reason: err instanceof Error ? err.message : String(err),
      }),
    ),
  );
  for (const [i, message] of batch.messages.entries()) {
    const decision = decisions[i]!;
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
