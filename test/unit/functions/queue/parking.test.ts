/**
 * Parking keeps what it gives up on: each park decision reaches the recorder
 * (with the transport's id and queue) before the transport acks it; when the
 * record cannot be written the message is retried instead, never acked
 * unrecorded. The Worker's dead-letter queue consumer records and acks a
 * batch, or retries it whole.
 */
import { describe, expect, it } from "vitest";
import type { MessageBatch, QueueMessage } from "../../../../functions/composition/cloudflare.ts";
import { deliverBatch } from "../../../../functions/queue/batch.ts";
import { createConsumer, type RetryPolicy } from "../../../../functions/queue/consumer.ts";
import {
  DLQ_REASON,
  DLQ_RETRY_SECONDS,
  deliverDeadLetterBatch,
  isDeadLetterQueue,
  servedQueue,
} from "../../../../functions/queue/dead-letter-batch.ts";
import { InProcessQueue } from "../../../../functions/queue/in-process.ts";
import {
  type ParkedDelivery,
  recordParking,
  UNRECORDED_PARK_RETRY_SECONDS,
} from "../../../../functions/queue/parking.ts";
import { type JobMessage, PoisonMessageError } from "../../../../functions/queue/types.ts";
import { ManualClock } from "../../../../shared/clock.ts";
import { createMemoryLogger } from "../../../../shared/logger.ts";

const policy: RetryPolicy = { maxAttempts: 3, baseDelaySeconds: 5, maxDelaySeconds: 60 };
const run = (job: string): JobMessage => ({ type: "job.run", job });

/** A consumer that poisons "poison", fails "bad" and acks anything else. */
function consumer() {
  return createConsumer({
    handle: async (messages) =>
      messages.map((m): PromiseSettledResult<void> => {
        const name = m.type === "strategy.evaluate" ? m.poolId : m.job;
        if (name === "poison") return { status: "rejected", reason: new PoisonMessageError("never works") };
        if (name === "bad") return { status: "rejected", reason: new Error("down") };
        return { status: "fulfilled", value: undefined };
      }),
    logger: createMemoryLogger(),
    policy,
  });
}

function recorder(opts: { failing?: boolean } = {}) {
  const recorded: ParkedDelivery[][] = [];
  const record = async (parked: readonly ParkedDelivery[]) => {
    if (opts.failing) throw new Error("connection refused");
    recorded.push([...parked]);
  };
  return { recorded, record };
}

function cloudflareBatch(queue: string, messages: { id: string; body: unknown; attempts: number }[]) {
  const calls: string[] = [];
  const batch: MessageBatch = {
    queue,
    messages: messages.map(
      (m): QueueMessage => ({
        ...m,
        timestamp: new Date(),
        ack: () => void calls.push(`${m.id}:ack`),
        retry: (o) => void calls.push(`${m.id}:retry:${o?.delaySeconds}`),
      }),
    ),
    ackAll: () => void calls.push("ackAll"),
    retryAll: (o) => void calls.push(`retryAll:${o?.delaySeconds}`),
  };
  return { batch, calls };
}

describe("recording parked messages", () => {
  it("hands every parked message to the recorder in one call, then lets the transport ack it", async () => {
    const logger = createMemoryLogger();
    const { recorded, record } = recorder();
    const consume = recordParking(consumer(), record, logger);
    const { batch, calls } = cloudflareBatch("ksp-jobs", [
      { id: "a", body: run("ok"), attempts: 1 },
      { id: "b", body: run("poison"), attempts: 1 },
      { id: "c", body: { type: "nonsense" }, attempts: 1 },
      { id: "d", body: run("bad"), attempts: 3 },
    ]);
    expect(await deliverBatch(batch, consume, logger)).toEqual({ acked: 1, retried: 0, parked: 3 });
    expect(calls).toEqual(["a:ack", "b:ack", "c:ack", "d:ack"]);
    expect(recorded).toEqual([
      [
        { body: run("poison"), attempts: 1, reason: "never works", messageId: "b", queue: "ksp-jobs" },
        {
          body: { type: "nonsense" },
          attempts: 1,
          reason: expect.stringMatching(/^not a job message/),
          messageId: "c",
          queue: "ksp-jobs",
        },
        {
          body: run("bad"),
          attempts: 3,
          reason: "gave up after 3 attempts: down",
          messageId: "d",
          queue: "ksp-jobs",
        },
      ],
    ]);
  });

  it("retries instead of acking when the record cannot be written, and says so in the log", async () => {
    const logger = createMemoryLogger();
    const consume = recordParking(consumer(), recorder({ failing: true }).record, logger);
    const { batch, calls } = cloudflareBatch("ksp-jobs", [
      { id: "a", body: run("ok"), attempts: 1 },
      { id: "b", body: run("poison"), attempts: 1 },
    ]);
    expect(await deliverBatch(batch, consume, logger)).toEqual({ acked: 1, retried: 1, parked: 0 });
    expect(calls).toEqual(["a:ack", `b:retry:${UNRECORDED_PARK_RETRY_SECONDS}`]);
    expect(logger.lines.find((l) => l.level === "error")).toMatchObject({
      msg: expect.stringContaining("could not be recorded"),
      messages: [{ id: "b", attempts: 1, reason: "never works" }],
    });
  });

  it("on the in-process queue: the message stays pending until its park is recorded", async () => {
    const clock = new ManualClock();
    const logger = createMemoryLogger();
    let failing = true;
    const recorded: ParkedDelivery[] = [];
    const consume = recordParking(
      consumer(),
      async (parked) => {
        if (failing) throw new Error("connection refused");
        recorded.push(...parked);
      },
      logger,
    );
    const queue = new InProcessQueue({ clock, logger, consumeBatch: consume });
    await queue.send(run("poison"));
    await queue.processDue();
    expect(queue.pendingCount).toBe(1);
    expect(queue.parked).toEqual([]);
    failing = false;
    clock.advance(UNRECORDED_PARK_RETRY_SECONDS * 1000);
    await queue.processDue();
    expect(queue.pendingCount).toBe(0);
    expect(recorded).toEqual([
      {
        body: run("poison"),
        attempts: 2,
        reason: "never works",
        messageId: expect.any(String),
        queue: "in-process",
      },
    ]);
    expect(queue.parked.map((p) => p.id)).toEqual([recorded[0]!.messageId]);
  });
});

describe("the dead-letter queue consumer", () => {
  it("knows a dead-letter queue by its name and the queue it serves", () => {
    expect(isDeadLetterQueue("ksp-jobs-dlq")).toBe(true);
    expect(isDeadLetterQueue("ksp-jobs")).toBe(false);
    expect(servedQueue("ksp-jobs-dlq")).toBe("ksp-jobs");
  });

  it("records every message with its id and attempts, then acks the batch", async () => {
    const { recorded, record } = recorder();
    const { batch, calls } = cloudflareBatch("ksp-jobs-dlq", [
      { id: "x", body: run("anything"), attempts: 1 },
      { id: "y", body: "garbage", attempts: 2 },
    ]);
    await deliverDeadLetterBatch(batch, record, createMemoryLogger());
    expect(calls).toEqual(["ackAll"]);
    expect(recorded).toEqual([
      [
        { body: run("anything"), attempts: 1, reason: DLQ_REASON, messageId: "x", queue: "ksp-jobs" },
        { body: "garbage", attempts: 2, reason: DLQ_REASON, messageId: "y", queue: "ksp-jobs" },
      ],
    ]);
  });

  it("retries the whole batch when it cannot record it", async () => {
    const logger = createMemoryLogger();
    const { batch, calls } = cloudflareBatch("ksp-jobs-dlq", [{ id: "x", body: run("a"), attempts: 1 }]);
    await deliverDeadLetterBatch(batch, recorder({ failing: true }).record, logger);
    expect(calls).toEqual([`retryAll:${DLQ_RETRY_SECONDS}`]);
    expect(logger.lines.some((l) => l.level === "error" && JSON.stringify(l).includes('"x"'))).toBe(true);
  });
});
