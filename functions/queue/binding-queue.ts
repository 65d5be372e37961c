/**
 * The Worker's job queue: the JOBS_QUEUE producer binding. Cloudflare takes
 * one message per `send` and at most 100 messages and 256 KB per `sendBatch`,
 * and every call is a subrequest (bounded per invocation), so a batch is cut
 * into as few calls as those limits allow and sent one call after another.
 */
import type { QueueProducer } from "../env.ts";
import type { JobMessage, JobQueue, SendOptions } from "./types.ts";

export interface BatchLimits {
  maxMessages: number;
  maxBytes: number;
}

export const CLOUDFLARE_BATCH_LIMITS: Readonly<BatchLimits> = {
  maxMessages: 100,
  maxBytes: 256 * 1024,
};

/**
 * Room kept per message for what Cloudflare adds to the body (its serialization,
 * the per-message delay): our JSON length alone would let a full batch tip over.
 */
export const MESSAGE_OVERHEAD_BYTES = 128;

const encoder = new TextEncoder();

/** What one message counts against a batch's byte limit. */
export function messageBytes(body: JobMessage): number {
  return encoder.encode(JSON.stringify(body)).byteLength + MESSAGE_OVERHEAD_BYTES;
}

/**
 * Consecutive chunks, in order, each within both limits. A message too big for
 * any batch goes alone, for the producer to refuse it with its own error.
 */
export function chunkBatch(
  bodies: readonly JobMessage[],
  limits: BatchLimits = CLOUDFLARE_BATCH_LIMITS,
): JobMessage[][] {
  const chunks: JobMessage[][] = [];
  let current: JobMessage[] = [];
  let bytes = 0;
  for (const body of bodies) {
    const size = messageBytes(body);
    if (current.length > 0 && (current.length >= limits.maxMessages || bytes + size > limits.maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(body);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

export function bindingJobQueue(
  producer: QueueProducer,
  limits: BatchLimits = CLOUDFLARE_BATCH_LIMITS,
): JobQueue {
  return {
    send: (body, options) => producer.send(body, options),
    async sendBatch(bodies: readonly JobMessage[], options: SendOptions = {}) {
      // A chunk that fails throws: the caller's retry resends the earlier chunks too, which
      // at-least-once handlers absorb (runs are keyed, e.g. the strategy run's day).
      for (const chunk of chunkBatch(bodies, limits)) {
        await producer.sendBatch(
          chunk.map((body) => ({ body })),
          options,
        );
      }
    },
  };
}
