/**
 * The Worker's job queue over the JOBS_QUEUE binding: Cloudflare takes at
 * most 100 messages and 256 KB per `sendBatch`, so a fan-out is cut into the
 * fewest calls within both limits, in order, and nothing is sent one by one.
 */
import { describe, expect, it } from "vitest";
import { parseWorkerEnv, type QueueProducer } from "../../../../functions/env.ts";
import {
  bindingJobQueue,
  CLOUDFLARE_BATCH_LIMITS,
  chunkBatch,
  messageBytes,
} from "../../../../functions/queue/binding-queue.ts";
import type { JobMessage } from "../../../../functions/queue/types.ts";

const UUID = "00000000-0000-4000-8000-000000000000";

function recordingProducer() {
  const calls: { kind: "send" | "sendBatch"; messages: unknown[]; options?: unknown }[] = [];
  const producer: QueueProducer = {
    send: async (body, options) => void calls.push({ kind: "send", messages: [body], options }),
    sendBatch: async (messages, options) =>
      void calls.push({ kind: "sendBatch", messages: [...messages], options }),
  };
  return { producer, calls };
}

const jobRun = (i: number): JobMessage => ({ type: "job.run", job: `job-${i}` });
const evaluate = (i: number): JobMessage => ({
  type: "strategy.evaluate",
  strategyId: UUID,
  clusterId: UUID,
  poolId: UUID,
  runKey: `2026-01-${String((i % 28) + 1).padStart(2, "0")}`,
});

describe("binding job queue", () => {
  it("sends 250 messages in three calls of 100, 100 and 50, in order, each message its own body", async () => {
    const { producer, calls } = recordingProducer();
    const bodies = Array.from({ length: 250 }, (_, i) => evaluate(i));
    await bindingJobQueue(producer).sendBatch(bodies);
    expect(calls.map((c) => [c.kind, c.messages.length])).toEqual([
      ["sendBatch", 100],
      ["sendBatch", 100],
      ["sendBatch", 50],
    ]);
    expect(calls.flatMap((c) => c.messages)).toEqual(bodies.map((body) => ({ body })));
  });

  it("exactly 100 is one call; nothing at all is no call", async () => {
    const { producer, calls } = recordingProducer();
    const queue = bindingJobQueue(producer);
    await queue.sendBatch(Array.from({ length: 100 }, (_, i) => jobRun(i)));
    await queue.sendBatch([]);
    expect(calls.map((c) => c.messages.length)).toEqual([100]);
  });

  it("passes the delay to every call of the batch", async () => {
    const { producer, calls } = recordingProducer();
    await bindingJobQueue(producer).sendBatch(
      Array.from({ length: 101 }, (_, i) => jobRun(i)),
      { delaySeconds: 30 },
    );
    expect(calls.map((c) => c.options)).toEqual([{ delaySeconds: 30 }, { delaySeconds: 30 }]);
  });

  it("send stays one message per call", async () => {
    const { producer, calls } = recordingProducer();
    await bindingJobQueue(producer).send(jobRun(1), { delaySeconds: 5 });
    expect(calls).toEqual([{ kind: "send", messages: [jobRun(1)], options: { delaySeconds: 5 } }]);
  });

  it("a failing call stops the batch and surfaces, so the caller's retry sends it again", async () => {
    const { producer, calls } = recordingProducer();
    let batches = 0;
    const flaky: QueueProducer = {
      ...producer,
      sendBatch: async (messages, options) => {
        if (++batches === 2) throw new Error("queue unavailable");
        await producer.sendBatch(messages, options);
      },
    };
    await expect(
      bindingJobQueue(flaky).sendBatch(Array.from({ length: 300 }, (_, i) => jobRun(i))),
    ).rejects.toThrow("queue unavailable");
    expect(calls.map((c) => c.messages.length)).toEqual([100]);
  });
});

describe("chunking", () => {
  it("cuts by bytes before 100 messages when the bodies are large", () => {
    const big = (i: number): JobMessage => ({ type: "job.run", job: `${i}-${"x".repeat(10_000)}` });
    const bodies = Array.from({ length: 60 }, (_, i) => big(i));
    const chunks = chunkBatch(bodies);
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) {
      expect(chunk.length).toBeLessThanOrEqual(CLOUDFLARE_BATCH_LIMITS.maxMessages);
      const bytes = chunk.reduce((sum, body) => sum + messageBytes(body), 0);
      expect(bytes).toBeLessThanOrEqual(CLOUDFLARE_BATCH_LIMITS.maxBytes);
    }
    // the fewest calls: each chunk but the last could not take the next message
    for (let i = 0; i < chunks.length - 1; i++) {
      const bytes = chunks[i]!.reduce((sum, body) => sum + messageBytes(body), 0);
      expect(bytes + messageBytes(chunks[i + 1]![0]!)).toBeGreaterThan(CLOUDFLARE_BATCH_LIMITS.maxBytes);
    }
    expect(chunks.flat()).toEqual(bodies);
  });

  it("counts UTF-8 bytes, not characters", () => {
    const ascii: JobMessage = { type: "job.run", job: "a".repeat(100) };
    const wide: JobMessage = { type: "job.run", job: "é".repeat(100) };
    expect(messageBytes(wide) - messageBytes(ascii)).toBe(100);
  });

  it("a message bigger than any batch goes alone, for the producer to refuse", () => {
    const small = jobRun(1);
    const huge: JobMessage = { type: "job.run", job: "x".repeat(300 * 1024) };
    expect(chunkBatch([small, huge, small])).toEqual([[small], [huge], [small]]);
  });
});

describe("worker environment", () => {
  it("refuses a JOBS_QUEUE without sendBatch", () => {
    const base = {
      DATABASE_URL: "postgres://u:p@db.example:5432/ksp",
      UPSTASH_REDIS_REST_URL: "https://redis.example",
      UPSTASH_REDIS_REST_TOKEN: "tok",
    };
    const sendOnly = parseWorkerEnv({ ...base, JOBS_QUEUE: { send: async () => {} } });
    expect(sendOnly).toMatchObject({ ok: false, problems: [expect.stringMatching(/^JOBS_QUEUE: /)] });
    const full = parseWorkerEnv({ ...base, JOBS_QUEUE: recordingProducer().producer });
    expect(full.ok).toBe(true);
  });
});
