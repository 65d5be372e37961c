/**
 * Dead letters inside workerd (the BUNDLED Worker via Miniflare, Postgres
 * through the Neon proxy, Upstash through the bridge): a poisoned message on
 * ksp-jobs is parked into GET /v1/dead-letters; a message Cloudflare moves to
 * ksp-jobs-dlq is recorded with source dlq, once even when it is delivered
 * twice; replay sends it on JOBS_QUEUE, where Miniflare's consumer hands it
 * to queue() and it runs; a replay that fails again is a new dead letter.
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openNodePostgres } from "../../drizzle/drivers/node-postgres.ts";
import { apiTokens, deadLetters } from "../../drizzle/schema/index.ts";
import { generateToken, hashToken, tokenDisplayPrefix } from "../../functions/lib/tokens.ts";
import { DLQ_REASON } from "../../functions/queue/dead-letter-batch.ts";
import { type NeonProxy, startNeonProxy } from "../support/neon-proxy.ts";
import { createTestDatabase, requirePostgres, type TestDatabase } from "../support/postgres.ts";
import { redisAvailable, startUpstashBridge, type UpstashBridge } from "../support/upstash-bridge.ts";
import { recordUsage } from "../support/usage.ts";
import { QUEUE_NAME, startWorker, type WorkerHarness } from "../support/worker-harness.ts";

const BASE = "http://ksp.test";
const DLQ_NAME = `${QUEUE_NAME}-dlq`;
const servicesOk = (await redisAvailable()) && (await requirePostgres());

interface Letter {
  id: string;
  source: string;
  queue: string;
  messageId: string | null;
  reason: string;
  status: string;
  body: unknown;
}

describe.skipIf(!servicesOk)("dead letters in workerd", () => {
  let database: TestDatabase;
  let proxy: NeonProxy;
  let bridge: UpstashBridge;
  let harness: WorkerHarness;
  let db: Awaited<ReturnType<typeof openNodePostgres>>;
  const operator = generateToken("api");

  beforeAll(async () => {
    recordUsage("service", "workerd (miniflare)");
    database = await createTestDatabase();
    proxy = await startNeonProxy();
    bridge = await startUpstashBridge();
    harness = await startWorker(
      {
        DATABASE_URL: database.url,
        NEON_WS_PROXY: `127.0.0.1:${proxy.port}/v1`,
        UPSTASH_REDIS_REST_URL: bridge.url,
        UPSTASH_REDIS_REST_TOKEN: bridge.token,
        KSP_COORDINATION_PREFIX: `kspdl${process.pid}:`,
      },
      { queueConsumer: { maxBatchTimeoutSeconds: 1 } },
    );
    db = await openNodePostgres(database.url);
    await db.db.insert(apiTokens).values({
      name: "dead-letter-operator",
      tokenHash: await hashToken(operator),
      displayPrefix: tokenDisplayPrefix(operator),
      role: "operator",
    });
  });
  afterAll(async () => {
    await db?.close();
    await harness?.dispose();
    await proxy?.close();
    await bridge?.close();
    await database?.drop();
  });

  async function call(method: string, path: string) {
    const res = await harness.mf.dispatchFetch(`${BASE}${path}`, {
      method,
      headers: { authorization: `Bearer ${operator}` },
    });
    return {
      status: res.status,
      body: (await res.json()) as { items: Letter[] } & Letter & { error?: { code: string } },
    };
  }
  const message = (id: string, body: unknown, attempts = 1) => ({
    id,
    timestamp: new Date(),
    body,
    attempts,
  });
  const lettersOf = (messageId: string) =>
    db.db.select().from(deadLetters).where(eq(deadLetters.messageId, messageId));

  it("a poisoned message on ksp-jobs is parked into the dead-letter view with its reason, once", async () => {
    const worker = await harness.handlers();
    const poisoned = message("poisoned-1", { type: "job.run", job: "no-such-job" });
    for (let i = 0; i < 2; i++) {
      // the second delivery stands for an ack Cloudflare never got
      const result = await worker.queue(QUEUE_NAME, [poisoned]);
      expect(result.outcome).toBe("ok");
      expect(result.explicitAcks).toEqual([poisoned.id]);
      expect(result.retryMessages).toEqual([]);
    }
    expect(await lettersOf(poisoned.id)).toHaveLength(1);
    const list = await call("GET", "/v1/dead-letters?status=parked&job=no-such-job");
    expect(list.status).toBe(200);
    expect(list.body.items).toMatchObject([
      {
        source: "consumer",
        queue: QUEUE_NAME,
        messageId: poisoned.id,
        reason: 'unknown job "no-such-job"',
        status: "parked",
        body: poisoned.body,
      },
    ]);
  });

  it("a message on ksp-jobs-dlq is recorded with source dlq once, even delivered twice, and acked", async () => {
    const worker = await harness.handlers();
    const crashed = message("dlq-1", { type: "job.run", job: "heartbeat" }, 1);
    for (let i = 0; i < 2; i++) {
      const result = await worker.queue(DLQ_NAME, [crashed]);
      expect(result.outcome).toBe("ok");
      expect(result.ackAll).toBe(true);
      expect(result.retryMessages).toEqual([]);
    }
    const rows = await lettersOf(crashed.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      source: "dlq",
      queue: QUEUE_NAME,
      reason: DLQ_REASON,
      attempts: 1,
      status: "parked",
      messageType: "job.run",
      job: "heartbeat",
    });
  });

  it("replay sends the stored message on JOBS_QUEUE and the consumer runs it", async () => {
    const [row] = await lettersOf("dlq-1");
    const before = harness.logs.filter((l) => l.msg === "scheduler heartbeat").length;
    const replayed = await call("POST", `/v1/dead-letters/${row!.id}/replay`);
    expect(replayed.status, JSON.stringify(replayed.body)).toBe(200);
    expect(replayed.body).toMatchObject({ status: "replayed", replayCount: 1 });
    await expect
      .poll(
        () => harness.logs.filter((l) => l.msg === "scheduler heartbeat" && l.trigger === "queue").length,
        {
          timeout: 20_000,
        },
      )
      .toBeGreaterThan(0);
    expect(harness.logs.filter((l) => l.msg === "scheduler heartbeat").length).toBeGreaterThan(before);
    const again = await call("POST", `/v1/dead-letters/${row!.id}/replay`);
    expect(again.status).toBe(409);
  });

  it("a replayed message that fails again is parked as a new dead letter", async () => {
    const [poisoned] = await lettersOf("poisoned-1");
    expect((await call("POST", `/v1/dead-letters/${poisoned!.id}/replay`)).status).toBe(200);
    await expect
      .poll(async () => (await call("GET", "/v1/dead-letters?job=no-such-job")).body.items.length, {
        timeout: 20_000,
      })
      .toBe(2);
    const [latest, original] = (await call("GET", "/v1/dead-letters?job=no-such-job")).body.items;
    expect(original).toMatchObject({ id: poisoned!.id, status: "replayed" });
    expect(latest).toMatchObject({
      status: "parked",
      source: "consumer",
      reason: 'unknown job "no-such-job"',
    });
    expect(latest!.messageId).not.toBe(poisoned!.messageId);
  });

  it("answers 4xx envelopes for an unknown id, a bad one, and a discarded letter", async () => {
    expect((await call("GET", `/v1/dead-letters/${crypto.randomUUID()}`)).status).toBe(404);
    const bad = await call("POST", "/v1/dead-letters/42/replay");
    expect(bad.status).toBe(400);
    expect(bad.body.error?.code).toBe("validation_failed");
    const [parked] = (await call("GET", "/v1/dead-letters?status=parked")).body.items;
    expect((await call("POST", `/v1/dead-letters/${parked!.id}/discard`)).status).toBe(200);
    const replay = await call("POST", `/v1/dead-letters/${parked!.id}/replay`);
    expect(replay.status).toBe(409);
    expect(replay.body.error?.code).toBe("illegal_transition");
  });
});
