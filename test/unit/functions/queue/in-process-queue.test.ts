/**
 * The in-process queue's sendBatch: the same messages as one send each
 * (separate deliveries, attempts and retries), all or nothing, copied on the
 * way in, delayed together.
 */
import { describe, expect, it } from "vitest";
import { InProcessQueue } from "../../../../functions/queue/in-process.ts";
import type { Decision, JobMessage } from "../../../../functions/queue/types.ts";
import { testDeps } from "../../../support/app-test-deps.ts";
import { consumeEach } from "../../../support/queue-consumers.ts";

function queueWith(decide: (body: unknown, attempts: number) => Decision = () => ({ action: "ack" })) {
  const deps = testDeps();
  const seen: { body: unknown; attempts: number }[] = [];
  const queue = new InProcessQueue({
    clock: deps.clock,
    logger: deps.logger,
    consumeBatch: consumeEach(async (body, attempts) => {
      seen.push({ body, attempts });
      return decide(body, attempts);
    }),
  });
  return { queue, seen, clock: deps.clock };
}

const run = (job: string): JobMessage => ({ type: "job.run", job });

describe("in-process sendBatch", () => {
  it("delivers every message on its own, in order", async () => {
    const { queue, seen } = queueWith();
    await queue.sendBatch([run("a"), run("b"), run("c")]);
    expect(queue.pendingCount).toBe(3);
    expect(await queue.processDue()).toBe(3);
    expect(seen).toEqual([
      { body: run("a"), attempts: 1 },
      { body: run("b"), attempts: 1 },
      { body: run("c"), attempts: 1 },
    ]);
    expect(queue.pendingCount).toBe(0);
  });

  it("retries one failing message without the others", async () => {
    const { queue, seen, clock } = queueWith((body) =>
      (body as { job: string }).job === "bad"
        ? { action: "retry", delaySeconds: 5, reason: "not yet" }
        : { action: "ack" },
    );
    await queue.sendBatch([run("ok"), run("bad")]);
    expect(await queue.processDue()).toBe(2);
    clock.advance(5_000);
    expect(await queue.processDue()).toBe(1);
    expect(seen.map((s) => [(s.body as { job: string }).job, s.attempts])).toEqual([
      ["ok", 1],
      ["bad", 1],
      ["bad", 2],
    ]);
  });

  it("delays the whole batch", async () => {
    const { queue, clock } = queueWith();
    await queue.sendBatch([run("a"), run("b")], { delaySeconds: 30 });
    expect(await queue.processDue()).toBe(0);
    clock.advance(30_000);
    expect(await queue.processDue()).toBe(2);
  });

  it("copies the bodies, and queues none when one cannot be copied", async () => {
    const { queue, seen } = queueWith();
    const body = { type: "job.run" as const, job: "a" };
    await queue.sendBatch([body]);
    body.job = "mutated";
    const uncloneable = { type: "job.run", job: "x", fn: () => 1 } as unknown as JobMessage;
    await expect(queue.sendBatch([run("b"), uncloneable])).rejects.toThrow();
    expect(queue.pendingCount).toBe(1);
    await queue.processDue();
    expect(seen.map((s) => s.body)).toEqual([run("a")]);
  });

  it("an empty batch queues nothing", async () => {
    const { queue } = queueWith();
    await queue.sendBatch([]);
    expect(queue.pendingCount).toBe(0);
  });
});
