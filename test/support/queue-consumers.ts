/**
 * Batch consumers for tests that script a decision per message: the
 * in-process queue takes only batch consumers, as the Worker's queue()
 * handler does.
 */
import type { Consume, ConsumeBatch } from "../../functions/queue/consumer.ts";

/** One delivery alone, as a batch of one: for tests that check a single message's decision. */
export const consumeOne =
  (consume: ConsumeBatch): Consume =>
  async (body, attempts) =>
    (await consume([{ body, attempts }]))[0]!;

/** Decides each delivery of a batch with `consume`, one after another. */
export function consumeEach(consume: Consume): ConsumeBatch {
  return async (deliveries) => {
    const decisions = [];
    for (const d of deliveries) decisions.push(await consume(d.body, d.attempts));
    return decisions;
  };
}
