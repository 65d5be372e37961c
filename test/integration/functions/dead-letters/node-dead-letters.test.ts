/**
 * Dead letters on Node, on Postgres: the in-process queue and the consumer
 * as the Node composition wires them (wireJobs, recording through the
 * database), with a registry of test jobs. A poisoned message ends in
 * GET /v1/dead-letters with its reason and an event; once its cause is gone,
 * replay re-runs it, once even when two replays race; a message that fails
 * its attempts is parked too, and a replay that fails again is a new row.
 */
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLogs, deadLetters } from "../../../../drizzle/schema/index.ts";
import { type App, createApp } from "../../../../functions/app.ts";
import { wireJobs } from "../../../../functions/composition/jobs.ts";
import { JobRegistry } from "../../../../functions/jobs/registry.ts";
import type { Job } from "../../../../functions/jobs/types.ts";
import { InProcessQueue } from "../../../../functions/queue/in-process.ts";
import type { DeadLetterView } from "../../../../functions/services/dead-letters/dead-letter-view.ts";
import { recordDeadLetters } from "../../../../functions/services/dead-letters/record-dead-letter.ts";
import { ManualClock } from "../../../../shared/clock.ts";
import { startTestApi, type TestApi } from "../../../support/api.ts";
import { seedCluster, testContext } from "../../../support/fixtures.ts";
import { requirePostgres } from "../../../support/postgres.ts";

const ok = await requirePostgres();

/** A dead letter, a page of them (or of events), or an error envelope: what these routes answer. */
type Item = DeadLetterView & { metadata: { deadLetterId?: string } };
type Answer = Item & { items: Item[]; nextCursor: string | null; error: { code: string; message: string } };

describe.skipIf(!ok)("dead letters on Node (in-process queue, Postgres)", () => {
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 9, 0, 0));
  let api: TestApi;
  let app: App;
  let queue: InProcessQueue;
  let operator: string;
  /** the cause of the poisoned job's failure, which an operator fixes */
  let broken = true;
  const ran: string[] = [];

  const jobs: Job[] = [
    {
      name: "flaky-import",
      lockTtlMs: 10_000,
      run: async () => {
        if (broken) throw new Error("the import source is misconfigured");
        ran.push("flaky-import");
      },
    },
    {
      name: "always-down",
      lockTtlMs: 10_000,
      run: async () => {
        throw new Error("upstream answered 502");
      },
    },
  ];

  beforeAll(async () => {
    api = await startTestApi({ clock });
    let consume: ReturnType<typeof wireJobs>["consumeBatch"] | undefined;
    queue = new InProcessQueue({ clock, logger: api.deps.logger, consumeBatch: (d) => consume!(d) });
    const deps = { ...api.deps, jobs: queue };
    consume = wireJobs({
      app: deps,
      queue,
      registry: new JobRegistry(jobs),
      policy: { maxAttempts: 2, baseDelaySeconds: 5, maxDelaySeconds: 60 },
    }).consumeBatch;
    app = createApp(deps);
    operator = await api.tokenFor("operator");
  });
  afterAll(() => api?.close());

  async function call(method: string, path: string, token = operator) {
    const res = await app.request(path, { method, headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, body: (await res.json()) as Answer };
  }

  /** Delivers everything due, moving the clock past each retry's backoff. */
  async function drain() {
    for (let i = 0; i < 10 && queue.pendingCount > 0; i++) {
      await queue.processDue();
      clock.advance(60_000);
    }
  }

  let poisonedId: string;

  it("a poisoned message ends in the dead-letter view with its reason, and an event", async () => {
    await queue.send({ type: "job.run", job: "flaky-import" });
    await drain();
    expect(queue.pendingCount).toBe(0);

    const list = await call("GET", "/v1/dead-letters?status=parked");
    expect(list.status).toBe(200);
    expect(list.body.items).toHaveLength(1);
    const letter = list.body.items[0]!;
    expect(letter).toMatchObject({
      source: "consumer",
      queue: "in-process",
      body: { type: "job.run", job: "flaky-import" },
      messageType: "job.run",
      job: "flaky-import",
      clusterId: null,
      reason: 'gave up after 2 attempts: job "flaky-import" failed: the import source is misconfigured',
      attempts: 2,
      status: "parked",
      replayCount: 0,
      version: 1,
    });
    expect(letter.messageId).toBe(queue.parked[0]?.id);
    poisonedId = letter.id;

    const events = await call("GET", "/v1/events?kind=queue.message_parked", api.admin);
    expect(events.body.items).toHaveLength(1);
    expect(events.body.items[0]).toMatchObject({
      kind: "queue.message_parked",
      status: "failed",
      error: 'gave up after 2 attempts: job "flaky-import" failed: the import source is misconfigured',
      metadata: {
        deadLetterId: poisonedId,
        source: "consumer",
        messageType: "job.run",
        job: "flaky-import",
        attempts: 2,
      },
    });
  });

  it("replay, once its cause is gone, re-runs it; two replays at once send it once", async () => {
    broken = false;
    const replayedAt = clock.now().toISOString();
    const [a, b] = await Promise.all([
      call("POST", `/v1/dead-letters/${poisonedId}/replay`),
      call("POST", `/v1/dead-letters/${poisonedId}/replay`),
    ]);
    expect([a.status, b.status].sort(), JSON.stringify([a.body, b.body])).toEqual([200, 409]);
    const loser = a.status === 409 ? a : b;
    expect(loser.body.error.code).toMatch(/^(conflict|illegal_transition)$/);
    expect(queue.pendingCount).toBe(1);
    await drain();
    expect(ran).toEqual(["flaky-import"]);

    const got = await call("GET", `/v1/dead-letters/${poisonedId}`);
    expect(got.body).toMatchObject({ status: "replayed", replayCount: 1, version: 2 });
    expect(got.body.lastReplayedBy).toMatch(/^token:/);
    expect(got.body.lastReplayedAt).toBe(replayedAt);
    // nothing new was parked: the replay ran
    expect((await call("GET", "/v1/dead-letters?status=parked")).body.items).toEqual([]);
    const audit = await api.database.db
      .select()
      .from(auditLogs)
      .where(and(eq(auditLogs.action, "dead_letter.replay"), eq(auditLogs.resourceId, poisonedId)));
    expect(audit.filter((r) => r.result === "success")).toHaveLength(1);
    const replayed = await call("GET", "/v1/events?kind=queue.message_replayed", api.admin);
    expect(replayed.body.items.map((e) => e.metadata.deadLetterId)).toEqual([poisonedId]);

    const again = await call("POST", `/v1/dead-letters/${poisonedId}/replay`);
    expect(again.status).toBe(409);
    expect(again.body.error.message).toContain("was replayed");
    expect(queue.pendingCount).toBe(0);
  });

  it("a message out of attempts is parked; replayed and failing again, it is parked as a new row", async () => {
    await queue.send({ type: "job.run", job: "always-down" });
    await drain();
    const first = (await call("GET", "/v1/dead-letters?status=parked&job=always-down")).body.items;
    const firstId = first[0]?.id;
    expect(first).toMatchObject([
      { reason: 'gave up after 2 attempts: job "always-down" failed: upstream answered 502', attempts: 2 },
    ]);
    expect((await call("POST", `/v1/dead-letters/${firstId}/replay`)).status).toBe(200);
    await drain();
    const all = (await call("GET", "/v1/dead-letters?job=always-down")).body.items;
    expect(all.map((l) => [l.id === firstId, l.status])).toEqual([
      [false, "parked"],
      [true, "replayed"],
    ]);
  });

  it("discards; refuses to replay or discard what is not parked, and bodies that are no job message", async () => {
    await queue.send({ type: "job.run", job: "always-down" });
    await drain();
    const parked = (await call("GET", "/v1/dead-letters?status=parked&job=always-down")).body.items[0]!;
    const discarded = await call("POST", `/v1/dead-letters/${parked.id}/discard`);
    expect(discarded).toMatchObject({ status: 200, body: { status: "discarded", version: 2 } });
    const replay = await call("POST", `/v1/dead-letters/${parked.id}/replay`);
    expect(replay.status).toBe(409);
    expect(replay.body.error).toMatchObject({ code: "illegal_transition" });
    expect(replay.body.error.message).toContain("was discarded");
    expect((await call("POST", `/v1/dead-letters/${parked.id}/discard`)).status).toBe(409);

    // a body the consumer could never run (a producer of another version, say): parked at once, not replayable
    await queue.send({ type: "job.rerun", job: "flaky-import" } as never);
    await queue.send({ type: "job.run", job: "no-such-job" });
    await drain();
    const latest = (await call("GET", "/v1/dead-letters?status=parked&limit=2")).body.items;
    const nonsense = latest.find((l) => l.messageType === "job.rerun")!;
    const unknownJob = latest.find((l) => l.job === "no-such-job");
    expect(nonsense).toMatchObject({ attempts: 1, messageType: "job.rerun", reason: /^not a job message/ });
    expect(unknownJob).toMatchObject({
      attempts: 1,
      job: "no-such-job",
      reason: 'unknown job "no-such-job"',
    });
    const bad = await call("POST", `/v1/dead-letters/${nonsense.id}/replay`);
    expect(bad.status).toBe(409);
    expect(bad.body.error.message).toMatch(/not a job message the consumer would run.*discard it instead/);
  });

  it("records a redelivered dead letter once (by source and message id)", async () => {
    const ctx = testContext(api.database.db, { clock, actor: "system" });
    const cluster = await seedCluster(api.database.db);
    const letter = {
      body: { type: "job.cluster", job: "probe-clusters", clusterId: cluster.id },
      attempts: 3,
      reason: "crashed",
      messageId: "cf-msg-1",
      queue: "ksp-jobs",
    };
    const first = await recordDeadLetters({ ctx, input: { source: "dlq", letters: [letter] } });
    const second = await recordDeadLetters({ ctx, input: { source: "dlq", letters: [letter] } });
    expect(first.recorded).toHaveLength(1);
    expect(second.recorded).toEqual([]);
    const rows = await api.database.db
      .select()
      .from(deadLetters)
      .where(eq(deadLetters.messageId, "cf-msg-1"));
    expect(rows).toHaveLength(1);
    const byCluster = await call("GET", `/v1/dead-letters?clusterId=${cluster.name}`);
    expect(byCluster.body.items.map((l) => l.id)).toEqual([rows[0]!.id]);
    expect(byCluster.body.items[0]).toMatchObject({
      source: "dlq",
      messageType: "job.cluster",
      clusterId: cluster.id,
    });
    const events = await call(
      "GET",
      `/v1/events?kind=queue.message_parked&clusterId=${cluster.id}`,
      api.admin,
    );
    expect(events.body.items).toHaveLength(1);
  });

  it("pages newest first and filters by type and time", async () => {
    const page1 = await call("GET", "/v1/dead-letters?limit=2");
    expect(page1.body.items).toHaveLength(2);
    expect(page1.body.nextCursor).toEqual(expect.any(String));
    const page2 = await call("GET", `/v1/dead-letters?limit=2&cursor=${page1.body.nextCursor}`);
    const ids = [...page1.body.items, ...page2.body.items].map((l) => l.id);
    expect(new Set(ids).size).toBe(ids.length);
    const parkedAts = [...page1.body.items, ...page2.body.items].map((l) => l.parkedAt);
    expect([...parkedAts].sort().reverse()).toEqual(parkedAts);
    const byType = await call("GET", "/v1/dead-letters?messageType=job.cluster");
    expect(byType.body.items.every((l) => l.messageType === "job.cluster")).toBe(true);
    expect(byType.body.items).toHaveLength(1);
    const future = await call(
      "GET",
      `/v1/dead-letters?since=${new Date(clock.now().getTime() + 1).toISOString()}`,
    );
    expect(future.body.items).toEqual([]);
    const past = await call("GET", "/v1/dead-letters?until=2026-06-01T09:00:00Z");
    expect(past.body.items).toEqual([]);
  });

  it("answers 4xx envelopes for bad input and the wrong caller", async () => {
    expect((await call("GET", "/v1/dead-letters/not-a-uuid")).body.error.code).toBe("validation_failed");
    const unknown = await call("GET", `/v1/dead-letters/${crypto.randomUUID()}`);
    expect(unknown).toMatchObject({ status: 404, body: { error: { code: "not_found" } } });
    expect((await call("POST", `/v1/dead-letters/${crypto.randomUUID()}/replay`)).status).toBe(404);
    expect((await call("POST", "/v1/dead-letters/nope/discard")).status).toBe(400);
    expect((await call("GET", "/v1/dead-letters?status=lost")).status).toBe(400);
    expect((await call("GET", "/v1/dead-letters?cursor=garbage")).status).toBe(400);
    expect((await call("GET", "/v1/dead-letters?since=yesterday")).status).toBe(400);
    expect((await call("GET", "/v1/dead-letters", await api.tokenFor("viewer"))).status).toBe(403);
    const cluster = await seedCluster(api.database.db);
    const scoped = await api.tokenFor("operator", cluster.id);
    expect((await call("GET", "/v1/dead-letters", scoped)).status).toBe(403);
    expect((await call("GET", "/v1/dead-letters", "ksp_api_nottoken000000000000000")).status).toBe(401);
  });
});
