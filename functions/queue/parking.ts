/**
 * Parked messages are kept: every "park" decision is handed to a recorder
 * (a dead_letters row and an event, services/dead-letters) before the
 * transport acks the message. A message whose record cannot be written (the
 * database is down) is retried instead of parked, so it is never acked
 * unrecorded; the next delivery parks it again and tries once more.
 */
import type { Logger } from "../../shared/logger.ts";
import type { ConsumeBatch, Delivery } from "./consumer.ts";
import type { Decision } from "./types.ts";

/** What a parked message is remembered by. */
export interface ParkedDelivery {
  /** the body as delivered: it may not even be a job message */
  body: unknown;
  attempts: number;
  reason: string;
  messageId?: string | undefined;
  queue?: string | undefined;
}

/** Writes the records of one batch's parked messages, all or nothing; throws when it cannot. */
export type RecordParked = (parked: readonly ParkedDelivery[]) => Promise<void>;

/** How long a message whose park could not be recorded waits before its next delivery. */
export const UNRECORDED_PARK_RETRY_SECONDS = 30;

export function recordParking(consume: ConsumeBatch, record: RecordParked, logger: Logger): ConsumeBatch {
  return async (deliveries: readonly Delivery[]) => {
    const decisions = await consume(deliveries);
    const parked: { index: number; delivery: Delivery; reason: string }[] = [];
    for (const [index, decision] of decisions.entries()) {
      if (decision.action === "park")
        parked.push({ index, delivery: deliveries[index]!, reason: decision.reason });
    }
    if (parked.length === 0) return decisions;
    try {
      await record(
        parked.map(({ delivery, reason }) => ({
          body: delivery.body,
          attempts: delivery.attempts,
          reason,
          messageId: delivery.id,
          queue: delivery.queue,
        })),
      );
      return decisions;
    } catch (err) {
      logger.error("parked queue messages could not be recorded; retrying them instead of dropping them", {
        messages: parked.map(({ delivery, reason }) => ({
          id: delivery.id,
          attempts: delivery.attempts,
          reason,
        })),
        error: err,
      });
      const retried = [...decisions];
      for (const { index, reason } of parked) {
        retried[index] = {
          action: "retry",
          delaySeconds: UNRECORDED_PARK_RETRY_SECONDS,
          reason: `parking not recorded: ${reason}`,
        } satisfies Decision;
      }
      return retried;
    }
  };
}
