/**
 * The consumer on a delivery batch: one handler call for the batch's valid
 * messages, and one decision per message by its own attempts (ack, retry
 * with backoff, park), the same policy as one message alone.
 */
import { describe, expect, it } from "vitest";
import type { MessageBatch, QueueMessage } from "../../../../functions/composition/cloudflare.ts";
import { deliverBatch } from "../../../../functions/queue/batch.ts";
import { type BatchHandler, createConsumer, type RetryPolicy } from "../../../../functions/queue/consumer.ts";
import { InProcessQueue } from "../../../../functions/queue/in-process.ts";
import { type JobMessage, PoisonMessageError } from "../../../../functions/queue/types.ts";
import { createMemoryLogger } from "../../../../shared/logger.ts";
import { testDeps } from "../../../support/app-test-deps.ts";

const policy: RetryPolicy = { maxAttempts: 3, baseDelaySeconds: 5, maxDelaySeconds: 60 };
const run = (job: string): JobMessage => ({ type: "job.run", job });

/** A handler that settles each message by its job name, and records the batches it was given. */
function recordingHandler() {
  const calls: string[][] = [];
  const handle: BatchHandler = async (messages) => {
    calls.push(messages.map((m) => (m.type === "strategy.evaluate" ? m.poolId : m.job)));
    return messages.map((m): PromiseSettledResult<void> => {
      const name = m.type === "strategy.evaluate" ? m.poolId : m.job;
      if (name === "poison") return { status: "rejected", reason: new PoisonMessageError("never") };
      if (name.startsWith("bad")) return { status: "rejected", reason: new Error("down") };
      return { status: "fulfilled", value: undefined };
    });
  };
  return { calls, handle };
}

describe("batch consumer", () => {
  it("hands the valid messages over in one call and decides each by its own attempts", async () => {
    const { calls, handle } = recordingHandler();
    const consume = createConsumer({ handle, logger: createMemoryLogger(), policy });
    const decisions = await consume([
      { body: run("ok"), attempts: 1 },
      { body: { type: "nonsense" }, attempts: 1 },
      { body: run("bad"), attempts: 1 },
      { body: run("bad-again"), attempts: 2 },
      { body: run("bad-last"), attempts: 3 },
      { body: run("poison"), attempts: 1 },
    ]);
    expect(calls).toEqual([["ok", "bad", "bad-again", "bad-last", "poison"]]);
    expect(decisions).toEqual([
      { action: "ack" },
      { action: "park", reason: expect.stringMatching(/^not a job message/) },
      { action: "retry", delaySeconds: 5, reason: "down" },
      { action: "retry", delaySeconds: 10, reason: "down" },
      { action: "park", reason: "gave up after 3 attempts: down" },
      { action: "park", reason: "never" },
    ]);
  });

  it("retries every message of a handler that throws outright, parking those out of attempts", async () => {
    const consume = createConsumer({
      handle: async () => {
        throw new Error("database unreachable");
      },
      logger: createMemoryLogger(),
      policy,
    });
    expect(
      await consume([
        { body: run("a"), attempts: 1 },
        { body: run("b"), attempts: 3 },
      ]),
    ).toEqual([
      { action: "retry", delaySeconds: 5, reason: "database unreachable" },
      { action: "park", reason: "gave up after 3 attempts: database unreachable" },
    ]);
  });

  it("a batch of nothing but malformed bodies never reaches the handler", async () => {
    const { calls, handle } = recordingHandler();
    const consume = createConsumer({ handle, logger: createMemoryLogger(), policy });
    expect(await consume([{ body: "text", attempts: 1 }])).toMatchObject([{ action: "park" }]);
    expect(calls).toEqual([]);
  });
});

describe("Cloudflare batch delivery of a batch consumer", () => {
  const message = (id: string, calls: string[]): QueueMessage => ({
    id,
    timestamp: new Date(),
    body: run(id),
    attempts: 1,
    ack: () => void calls.push(`${id}:ack`),
    retry: (o) => void calls.push(`${id}:retry:${o?.delaySeconds}`),
  });
  const batchOf = (calls: string[], ...ids: string[]): MessageBatch => ({
    queue: "ksp-jobs",
    messages: ids.map((id) => message(id, calls)),
    ackAll: () => calls.push("ackAll"),
    retryAll: () => calls.push("retryAll"),
  });

  it("gives the whole batch to the consumer once and applies each decision", async () => {
    const { calls: handled, handle } = recordingHandler();
    const consume = createConsumer({ handle, logger: createMemoryLogger(), policy });
    const calls: string[] = [];
    const summary = await deliverBatch(batchOf(calls, "ok", "bad", "poison"), consume, createMemoryLogger());
    expect(handled).toEqual([["ok", "bad", "poison"]]);
    expect(summary).toEqual({ acked: 1, retried: 1, parked: 1 });
    expect(calls).toEqual(["ok:ack", "bad:retry:5", "poison:ack"]);
  });

  it("a consumer that throws retries every message shortly", async () => {
    const calls: string[] = [];
    const consume = async () => {
      throw new Error("boom");
    };
    expect(await deliverBatch(batchOf(calls, "a", "b"), consume, createMemoryLogger())).toEqual({
      acked: 0,
      retried: 2,
      parked: 0,
    });
    expect(calls).toEqual(["a:retry:1", "b:retry:1"]);
  });
});

describe("in-process queue with a batch consumer", () => {
  it("delivers the due messages in batches of batchSize, and retries only the failed ones", async () => {
    const deps = testDeps();
    const { calls, handle } = recordingHandler();
    const queue = new InProcessQueue({
      clock: deps.clock,
      logger: deps.logger,
      batchSize: 2,
      consumeBatch: createConsumer({ handle, logger: deps.logger, policy }),
    });
    await queue.sendBatch([run("a"), run("bad"), run("c"), run("d"), run("e")]);
    expect(await queue.processDue()).toBe(5);
    expect(calls).toEqual([["a", "bad"], ["c", "d"], ["e"]]);
    expect(queue.pendingCount).toBe(1);
    deps.clock.advance(5_000);
    expect(await queue.processDue()).toBe(1);
    expect(calls.at(-1)).toEqual(["bad"]);
  });
});
