import { describe, expect, it, vi } from "vitest";
import type { MessageBatch, QueueMessage } from "../../../../functions/composition/cloudflare.ts";
import { wireJobs } from "../../../../functions/composition/jobs.ts";
import { JobRegistry } from "../../../../functions/jobs/registry.ts";
import { runScheduledJobs } from "../../../../functions/jobs/runner.ts";
import { startIntervalScheduler } from "../../../../functions/jobs/scheduler.ts";
import type { Job } from "../../../../functions/jobs/types.ts";
import { deliverBatch } from "../../../../functions/queue/batch.ts";
import {
  backoffSeconds,
  DEFAULT_RETRY_POLICY,
  type RetryPolicy,
} from "../../../../functions/queue/consumer.ts";
import { InProcessQueue } from "../../../../functions/queue/in-process.ts";
import type { ParkedDelivery } from "../../../../functions/queue/parking.ts";
import { type JobQueue, PoisonMessageError } from "../../../../functions/queue/types.ts";
import { testDeps } from "../../../support/app-test-deps.ts";
import { consumeEach, consumeOne } from "../../../support/queue-consumers.ts";

const policy: RetryPolicy = { maxAttempts: 3, baseDelaySeconds: 5, maxDelaySeconds: 60 };

function job(name: string, run: Job["run"]): Job {
  return { name, lockTtlMs: 10_000, run };
}

function setup(jobs: Job[]) {
  const deps = testDeps();
  const sent: unknown[] = [];
  const outbox: JobQueue = {
    send: async (body) => void sent.push(body),
    sendBatch: async (bodies) => void sent.push(...bodies),
  };
  // dead letters in memory: these tests have no database (the Postgres recorder: test/integration/functions/dead-letters)
  const deadLetters: { source: string; letter: ParkedDelivery }[] = [];
  const recordParked = (source: string) => async (letters: readonly ParkedDelivery[]) =>
    void deadLetters.push(...letters.map((letter) => ({ source, letter })));
  const wiring = wireJobs({
    app: deps,
    queue: outbox,
    registry: new JobRegistry(jobs),
    policy,
    recordParked,
  });
  return { deps, sent, deadLetters, ...wiring, consume: consumeOne(wiring.consumeBatch) };
}

describe("retry policy", () => {
  it("backs off exponentially up to the cap", () => {
    expect([1, 2, 3, 4, 5].map((a) => backoffSeconds(a, policy))).toEqual([5, 10, 20, 40, 60]);
    expect(DEFAULT_RETRY_POLICY.maxAttempts).toBeLessThan(10); // wrangler.toml max_retries
  });
});

describe("job runner", () => {
  it("runs every job each tick; one failure does not stop the others", async () => {
    const ran: string[] = [];
    const { runner, deps } = setup([
      job("a", async () => void ran.push("a")),
      job("b", async () => {
        throw new Error("b broke");
      }),
      job("c", async (ctx) => {
        await ctx.queue.send({ type: "job.run", job: "a" });
        ran.push("c");
      }),
    ]);
    const outcomes = await runScheduledJobs(runner, "test");
    expect(outcomes.map((o) => [o.job, o.outcome])).toEqual([
      ["a", "ok"],
      ["b", "failed"],
      ["c", "ok"],
    ]);
    expect(ran).toEqual(["a", "c"]);
    expect(deps.logger.lines.some((l) => l.msg === "job failed" && l.job === "b")).toBe(true);
  });

  it("skips a job whose lock someone else holds, and releases its own lock", async () => {
    const { runner, deps } = setup([job("a", async () => {})]);
    const held = await deps.coordination.acquireLock("job:a", 60_000);
    expect((await runScheduledJobs(runner, "t"))[0]?.outcome).toBe("busy");
    await deps.coordination.releaseLock(held!);
    expect((await runScheduledJobs(runner, "t"))[0]?.outcome).toBe("ok");
    expect(await deps.coordination.acquireLock("job:a", 1000)).not.toBeNull();
  });

  it("leases the database only for jobs that use it, and gives it back", async () => {
    const { runner, deps } = setup([
      job("quiet", async () => {}),
      job("db", async (ctx) => void (await ctx.database())),
    ]);
    await runScheduledJobs(runner, "t");
    expect(deps.leases).toEqual({ acquired: 1, released: 1 });
  });
});

describe("queue consumer", () => {
  it("acks, retries with backoff, then parks after maxAttempts", async () => {
    let fail = true;
    const { consume } = setup([
      job("flaky", async () => {
        if (fail) throw new Error("not yet");
      }),
    ]);
    const msg = { type: "job.run", job: "flaky" };
    expect(await consume(msg, 1)).toMatchObject({ action: "retry", delaySeconds: 5 });
    expect(await consume(msg, 2)).toMatchObject({ action: "retry", delaySeconds: 10 });
    expect(await consume(msg, 3)).toMatchObject({
      action: "park",
      reason: expect.stringMatching(/gave up after 3/),
    });
    fail = false;
    expect(await consume(msg, 1)).toEqual({ action: "ack" });
  });

  it("parks messages that can never succeed at once", async () => {
    const { consume } = setup([]);
    expect(await consume({ type: "job.run", job: "ghost" }, 1)).toMatchObject({
      action: "park",
      reason: /unknown job/,
    });
    expect(await consume({ type: "nonsense" }, 1)).toMatchObject({
      action: "park",
      reason: /not a job message/,
    });
    expect(await consume("text", 1)).toMatchObject({ action: "park" });
  });
});

describe("per-cluster fan-out messages", () => {
  const clusterId = "0b9d5d4e-5f3e-4d4b-9a53-2f4a8c1e7d10";

  it("runs the job's per-cluster work under a per-cluster lock", async () => {
    const seen: string[] = [];
    const { consume, deps } = setup([
      { ...job("fan", async () => {}), runForCluster: async (_ctx, id) => void seen.push(id) },
    ]);
    expect(await consume({ type: "job.cluster", job: "fan", clusterId }, 1)).toEqual({ action: "ack" });
    expect(seen).toEqual([clusterId]);
    const held = await deps.coordination.acquireLock(`job:fan:cluster:${clusterId}`, 60_000);
    expect(await consume({ type: "job.cluster", job: "fan", clusterId }, 1)).toMatchObject({
      action: "retry",
      reason: /running elsewhere/,
    });
    // the job-wide lock is a different lock: the scheduled run and cluster work do not block each other
    await deps.coordination.releaseLock(held!);
    const whole = await deps.coordination.acquireLock("job:fan", 60_000);
    expect(await consume({ type: "job.cluster", job: "fan", clusterId }, 1)).toEqual({ action: "ack" });
    await deps.coordination.releaseLock(whole!);
  });

  it("retries a failing cluster message with backoff and parks it after maxAttempts", async () => {
    let calls = 0;
    const { deps, consumeBatch } = setup([
      {
        ...job("fan", async () => {}),
        runForCluster: async () => {
          calls++;
          throw new Error("cluster unreachable");
        },
      },
    ]);
    const queue = new InProcessQueue({ clock: deps.clock, logger: deps.logger, consumeBatch });
    await queue.send({ type: "job.cluster", job: "fan", clusterId });
    expect(await queue.processDue()).toBe(1);
    deps.clock.advance(5_000);
    expect(await queue.processDue()).toBe(1);
    deps.clock.advance(10_000);
    expect(await queue.processDue()).toBe(1);
    expect(calls).toBe(policy.maxAttempts);
    expect(queue.parked).toMatchObject([
      {
        body: { type: "job.cluster", clusterId },
        attempts: 3,
        reason: /gave up after 3 attempts: .*unreachable/,
      },
    ]);
    expect(queue.pendingCount).toBe(0);
  });

  it("parks at once a cluster message whose job says retrying cannot help (PoisonMessageError)", async () => {
    let calls = 0;
    const { consume } = setup([
      {
        ...job("doomed", async () => {}),
        runForCluster: async () => {
          calls++;
          throw new PoisonMessageError("the cluster's kubeconfig names no server");
        },
      },
    ]);
    expect(await consume({ type: "job.cluster", job: "doomed", clusterId }, 1)).toMatchObject({
      action: "park",
      reason: /kubeconfig names no server/,
    });
    expect(calls).toBe(1);
  });

  it("parks at once what can never succeed: no per-cluster work, or a bad cluster id", async () => {
    const { consume } = setup([job("plain", async () => {})]);
    expect(await consume({ type: "job.cluster", job: "plain", clusterId }, 1)).toMatchObject({
      action: "park",
      reason: /no per-cluster work/,
    });
    expect(await consume({ type: "job.cluster", job: "plain", clusterId: "x" }, 1)).toMatchObject({
      action: "park",
      reason: /not a job message/,
    });
  });
});

describe("Cloudflare batch delivery", () => {
  it("acks, retries with a delay, and parks (dead letter + log + ack)", async () => {
    const { consumeBatch, deps, deadLetters } = setup([
      job("ok", async () => {}),
      job("bad", async () => {
        throw new Error("down");
      }),
    ]);
    const calls: string[] = [];
    const message = (id: string, body: unknown, attempts = 1): QueueMessage => ({
      id,
      timestamp: new Date(),
      body,
      attempts,
      ack: () => void calls.push(`${id}:ack`),
      retry: (o) => void calls.push(`${id}:retry:${o?.delaySeconds}`),
    });
    const batch: MessageBatch = {
      queue: "ksp-jobs",
      messages: [
        message("m1", { type: "job.run", job: "ok" }),
        message("m2", { type: "job.run", job: "bad" }, 2),
        message("m3", { type: "job.run", job: "bad" }, 3),
      ],
      ackAll: () => calls.push("ackAll"),
      retryAll: () => calls.push("retryAll"),
    };
    expect(await deliverBatch(batch, consumeBatch, deps.logger)).toEqual({ acked: 1, retried: 1, parked: 1 });
    expect(calls).toEqual(["m1:ack", "m2:retry:10", "m3:ack"]);
    expect(deps.logger.lines.find((l) => l.msg === "queue message parked")).toMatchObject({
      id: "m3",
      attempts: 3,
    });
    expect(deadLetters).toEqual([
      {
        source: "consumer",
        letter: {
          body: { type: "job.run", job: "bad" },
          attempts: 3,
          reason: 'gave up after 3 attempts: job "bad" failed: down',
          messageId: "m3",
          queue: "ksp-jobs",
        },
      },
    ]);
  });
});

describe("in-process queue", () => {
  it("has the Cloudflare semantics: delay, attempts, backoff, parking", async () => {
    let failures = 0;
    const { deps, consumeBatch } = setup([
      job("bad", async () => {
        failures++;
        throw new Error("always");
      }),
      job("ok", async () => {}),
    ]);
    const queue = new InProcessQueue({ clock: deps.clock, logger: deps.logger, consumeBatch });
    await queue.send({ type: "job.run", job: "ok" }, { delaySeconds: 30 });
    await queue.send({ type: "job.run", job: "bad" });

    expect(await queue.processDue()).toBe(1); // "ok" is not due yet
    expect(failures).toBe(1);
    deps.clock.advance(4_000);
    expect(await queue.processDue()).toBe(0); // backoff 5 s not over
    deps.clock.advance(1_000);
    expect(await queue.processDue()).toBe(1);
    deps.clock.advance(10_000);
    expect(await queue.processDue()).toBe(1); // third attempt: parked
    expect(failures).toBe(3);
    expect(queue.parked).toMatchObject([{ body: { job: "bad" }, attempts: 3 }]);
    deps.clock.advance(30_000);
    expect(await queue.processDue()).toBe(1); // "ok" acked
    expect(queue.pendingCount).toBe(0);
  });

  it("copies bodies on send, as a real queue serialises them", async () => {
    const seen: unknown[] = [];
    const deps = testDeps();
    const queue = new InProcessQueue({
      clock: deps.clock,
      logger: deps.logger,
      consumeBatch: consumeEach(async (body) => {
        seen.push(body);
        return { action: "ack" };
      }),
    });
    const body = { type: "job.run" as const, job: "a" };
    await queue.send(body);
    body.job = "mutated";
    await queue.processDue();
    expect(seen).toEqual([{ type: "job.run", job: "a" }]);
  });
});

describe("interval scheduler", () => {
  it("ticks on the interval, never overlaps, and stops", async () => {
    vi.useFakeTimers();
    try {
      const deps = testDeps();
      let release: () => void = () => {};
      let ticks = 0;
      const scheduler = startIntervalScheduler({
        intervalMs: 1_000,
        logger: deps.logger,
        tick: () => {
          ticks++;
          return new Promise<void>((r) => {
            release = r;
          });
        },
      });
      await vi.advanceTimersByTimeAsync(1_000);
      expect(ticks).toBe(1);
      await vi.advanceTimersByTimeAsync(2_000); // still running: skipped
      expect(ticks).toBe(1);
      release();
      await vi.advanceTimersByTimeAsync(1_000);
      expect(ticks).toBe(2);
      release();
      await scheduler.stop();
      await vi.advanceTimersByTimeAsync(5_000);
      expect(ticks).toBe(2);
    } finally {
      vi.useRealTimers();
    }
  });
});
