/**
 * "Why didn't it scale?": GET …/pools/{poolId}/status answers `scaling` from
 * what the real agent routes recorded — allocations through
 * POST /v1/agent/allocations (granted, refused at max, with no machine at
 * all, with a requirement ruling most machines out), repeated refusals
 * coalesced into one event, machine transitions through
 * POST /v1/agent/transitions (fault, a join rolled back, a join overdue, a
 * Cluster Autoscaler scale-down). On Postgres and on PGlite.
 */
import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { operations } from "../../../../../../drizzle/schema/index.ts";
import { SCALE_UP_EVENT } from "../../../../../../functions/services/scaling/scale-reasons.ts";
import { DEFAULT_POOL_LIFECYCLE } from "../../../../../../proto/pool-lifecycle.ts";
import { CA_NODE_DELETED_REASON } from "../../../../../../proto/scale-down-reasons.ts";
import { ManualClock } from "../../../../../../shared/clock.ts";
import { startTestApi, TEST_API_DRIVERS, type TestApi } from "../../../../../support/api.ts";
import { seedCluster, seedMachines, seedPool } from "../../../../../support/fixtures.ts";
import { requirePostgres } from "../../../../../support/postgres.ts";

const ok = await requirePostgres();

interface Machine {
  id: string;
  version: number;
}

describe.each(TEST_API_DRIVERS)("pool scaling status on %s", (driver) => {
  const skip = driver === "node-postgres" && !ok;
  let api: TestApi;
  const clock = new ManualClock(Date.now());
  beforeAll(async () => {
    if (skip) return;
    api = await startTestApi({ driver, clock });
  });
  afterAll(() => api?.close());
  const db = () => api.database.db;

  async function setup(pool: Parameters<typeof seedPool>[2] = {}) {
    const cluster = await seedCluster(db());
    const created = await seedPool(db(), cluster.id, pool);
    const credential = await api.agentCredentialFor(cluster.id);
    const allocate = (delta: number, requestId = `ca-${randomUUID()}`) =>
      api.json("POST", "/v1/agent/allocations", {
        token: credential,
        body: { poolId: created.id, delta, requestId },
      });
    const transition = async (
      machine: Machine,
      from: string,
      to: string,
      extra: Record<string, string> = {},
    ) => {
      const { status, body } = await api.json("POST", "/v1/agent/transitions", {
        token: credential,
        body: { items: [{ machineId: machine.id, from, to, expectedVersion: machine.version, ...extra }] },
      });
      expect(status).toBe(200);
      expect(body.results[0]).toMatchObject({ ok: true });
      return { id: machine.id, version: body.results[0].machine.version as number };
    };
    const scaling = async () => {
      const { status, body } = await api.json(
        "GET",
        `/v1/clusters/${cluster.id}/pools/${created.id}/status`,
        { token: api.admin },
      );
      expect(status).toBe(200);
      return body.scaling;
    };
    const decisionEvents = () =>
      db()
        .select()
        .from(operations)
        .where(and(eq(operations.poolId, created.id), eq(operations.kind, SCALE_UP_EVENT)));
    return { cluster, pool: created, credential, allocate, transition, scaling, decisionEvents };
  }

  // First: the database's free inventory is still empty here.
  it.skipIf(skip)("says no_free_machine when nothing at all is available", async () => {
    const { allocate, scaling } = await setup();
    expect(await scaling()).toEqual({ lastScaleUp: null, lastScaleDown: null, blockers: [] });
    const refused = await allocate(2);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("not_enough_machines");
    const { lastScaleUp } = await scaling();
    expect(lastScaleUp).toMatchObject({
      direction: "up",
      requested: 2,
      granted: 0,
      outcome: "refused",
      repeats: 1,
      reasons: [{ code: "no_free_machine", count: 0 }],
    });
    expect(lastScaleUp.at).toBe(clock.now().toISOString());
  });

  it.skipIf(skip)("records a grant, then a refusal capped by the pool's max", async () => {
    const tag = randomUUID();
    const { allocate, scaling, decisionEvents } = await setup({
      maxSize: 2,
      hardwareRequirements: { machineLabels: { tag } },
    });
    await seedMachines(db(), 5, { labels: { tag } });
    const granted = await allocate(2);
    expect(granted.status).toBe(200);
    expect((await scaling()).lastScaleUp).toMatchObject({
      requested: 2,
      granted: 2,
      outcome: "granted",
      reasons: [],
    });

    const capped = await allocate(1);
    expect(capped.status).toBe(409);
    expect(capped.body.error.code).toBe("pool_at_max");
    expect((await scaling()).lastScaleUp).toMatchObject({
      requested: 1,
      granted: 0,
      outcome: "refused",
      reasons: [
        {
          code: "max_size_reached",
          count: 0,
          message: "pool has 2 of at most 2 machines: room for 0, 1 requested",
        },
      ],
    });
    const events = await decisionEvents();
    expect(events.map((e) => [e.status, e.metadata.outcome]).sort()).toEqual([
      ["failed", "refused"],
      ["succeeded", "granted"],
    ]);
  });

  it.skipIf(skip)("names the requirement that ruled out the most free machines", async () => {
    const tag = randomUUID();
    const { allocate, scaling } = await setup({
      hardwareRequirements: { minCpuCores: 16, machineLabels: { tag, gpu: "a100" } },
    });
    // Free machines of other tests lack both labels and have 8 cores: they count against all three
    // requirements alike. Ours tip the balance: 4 lack the gpu label, 1 has too few cores.
    await seedMachines(db(), 1, { labels: { tag, gpu: "a100" }, cpuCores: 32 });
    await seedMachines(db(), 4, { labels: { tag }, cpuCores: 32 });
    await seedMachines(db(), 1, { labels: { tag, gpu: "a100" }, cpuCores: 4 });

    const refused = await allocate(3);
    expect(refused.status).toBe(409);
    const { lastScaleUp } = await scaling();
    expect(lastScaleUp.outcome).toBe("refused");
    expect(lastScaleUp.reasons[0]).toMatchObject({
      code: "requirements_unmet",
      requirement: "machineLabels gpu=a100",
    });
    const byRequirement = Object.fromEntries(
      lastScaleUp.reasons
        .filter((r: { code: string }) => r.code === "requirements_unmet")
        .map((r: { requirement: string; count: number }) => [r.requirement, r.count]),
    );
    expect(byRequirement["machineLabels gpu=a100"] - byRequirement[`machineLabels tag=${tag}`]).toBe(4);
    expect(byRequirement.minCpuCores - byRequirement[`machineLabels tag=${tag}`]).toBe(1);
    expect(lastScaleUp.reasons.at(-1)).toMatchObject({ code: "not_enough_machines", count: 1 });
  });

  it.skipIf(skip)("coalesces identical refusals instead of writing one event per retry", async () => {
    const tag = randomUUID();
    const { allocate, scaling, decisionEvents } = await setup({
      maxSize: 5,
      hardwareRequirements: { machineLabels: { tag } },
    });
    const first = clock.now().toISOString();
    for (let i = 0; i < 6; i++) {
      expect((await allocate(2)).status).toBe(409);
      clock.advance(10_000);
    }
    let events = await decisionEvents();
    expect(events).toHaveLength(1);
    expect(events[0]!.metadata).toMatchObject({ repeats: 6, outcome: "refused" });
    const { lastScaleUp } = await scaling();
    expect(lastScaleUp).toMatchObject({ repeats: 6, firstAt: first });
    expect(Date.parse(lastScaleUp.at) - Date.parse(first)).toBe(50_000);

    // another story starts a new event: a grant, then a refusal for another reason
    await seedMachines(db(), 5, { labels: { tag } });
    expect((await allocate(5)).status).toBe(200);
    expect((await allocate(1)).status).toBe(409);
    expect((await allocate(1)).status).toBe(409);
    events = await decisionEvents();
    expect(events).toHaveLength(3);
    expect((await scaling()).lastScaleUp).toMatchObject({
      repeats: 2,
      reasons: [{ code: "max_size_reached" }],
    });
  });

  it.skipIf(skip)("lists machines in fault, joins overdue and joins that failed as blockers", async () => {
    const tag = randomUUID();
    const { allocate, transition, scaling } = await setup({
      hardwareRequirements: { machineLabels: { tag } },
    });
    await seedMachines(db(), 3, { labels: { tag } });
    const reserved = (await allocate(3)).body.machines as Machine[];
    const [faulty, rolledBack, slow] = await Promise.all(
      reserved.map((m) => transition(m, "reserved", "joining")),
    );
    const faultAt = clock.now().toISOString();
    await transition(faulty!, "joining", "fault", {
      reason: "cannot join: kubeadm join failed",
      lastError: "kubeadm: connection refused",
    });
    await transition(rolledBack!, "joining", "available", { reason: "join rolled back: preflight failed" });
    const overdue =
      (DEFAULT_POOL_LIFECYCLE.joinTimeoutSeconds + DEFAULT_POOL_LIFECYCLE.registrationTimeoutSeconds) * 1000;

    const before = (await scaling()).blockers;
    expect(before.map((b: { kind: string }) => b.kind).sort()).toEqual(["fault", "join_failed"]);

    clock.advance(overdue + 60_000);
    const { blockers } = await scaling();
    const byMachine = new Map(blockers.map((b: { machineId: string }) => [b.machineId, b]));
    expect(blockers).toHaveLength(3);
    expect(byMachine.get(faulty!.id)).toMatchObject({
      kind: "fault",
      reason: "cannot join: kubeadm join failed: kubeadm: connection refused",
      since: faultAt,
    });
    expect(byMachine.get(rolledBack!.id)).toMatchObject({
      kind: "join_failed",
      reason: "join failed (joining → available): join rolled back: preflight failed",
    });
    expect(byMachine.get(slow!.id)).toMatchObject({ kind: "backoff" });
    expect((byMachine.get(slow!.id) as { reason: string }).reason).toContain("joining for 15 min");
    for (const b of blockers) expect(b.machineName).toMatch(/^host-/);
  });

  it.skipIf(skip)("derives the last scale-down from Cluster Autoscaler's node deletions", async () => {
    const tag = randomUUID();
    const { allocate, transition, scaling, credential } = await setup({
      hardwareRequirements: { machineLabels: { tag } },
    });
    await seedMachines(db(), 2, { labels: { tag } });
    const reserved = (await allocate(2)).body.machines as Machine[];
    const ready: Machine[] = [];
    for (const [i, m] of reserved.entries()) {
      const joining = await transition(m, "reserved", "joining");
      ready.push(await transition(joining, "joining", "ready", { nodeName: `node-${tag}-${i}` }));
    }
    expect((await scaling()).lastScaleDown).toBeNull();

    // one DeleteNodes call is one request: both deletions are one decision
    const { status, body } = await api.json("POST", "/v1/agent/transitions", {
      token: credential,
      body: {
        items: ready.map((m) => ({
          machineId: m.id,
          from: "ready",
          to: "draining",
          expectedVersion: m.version,
          reason: CA_NODE_DELETED_REASON,
        })),
      },
    });
    expect(status).toBe(200);
    expect(body.summary).toEqual({ applied: 2, failed: 0 });
    expect((await scaling()).lastScaleDown).toMatchObject({
      direction: "down",
      requested: 2,
      granted: 2,
      outcome: "granted",
      reasons: [{ code: "nodes_deleted", count: 2 }],
    });
  });

  it.skipIf(skip)("shows a scale-down the agent refused and reported, coalescing repeats", async () => {
    const { pool, credential, scaling } = await setup({ minSize: 2 });
    const report = (code: string, token = credential, poolId = pool.id) =>
      api.json("POST", "/v1/agent/scaling-refusals", {
        token,
        body: {
          poolId,
          direction: "down",
          requested: 1,
          reasons: [{ code, message: `refused: ${code}`, count: 1 }],
        },
      });
    const first = clock.now().toISOString();
    expect(await report("min_size_reached")).toMatchObject({ status: 201, body: { repeats: 1 } });
    clock.advance(10_000);
    expect(await report("min_size_reached")).toMatchObject({ status: 201, body: { repeats: 2 } });
    expect((await scaling()).lastScaleDown).toEqual({
      at: clock.now().toISOString(),
      firstAt: first,
      direction: "down",
      requested: 1,
      granted: 0,
      outcome: "refused",
      repeats: 2,
      reasons: [{ code: "min_size_reached", message: "refused: min_size_reached", count: 1 }],
    });
    expect((await report("node_in_maintenance")).body.repeats).toBe(1);
    expect((await scaling()).lastScaleDown.reasons[0].code).toBe("node_in_maintenance");
    const downEvents = await db()
      .select()
      .from(operations)
      .where(and(eq(operations.poolId, pool.id), eq(operations.kind, "pool.scale_down")));
    expect(downEvents).toHaveLength(2);

    // another cluster's agent cannot write into this pool's history; unknown codes are refused
    const stranger = await api.agentCredentialFor((await seedCluster(db())).id);
    expect((await report("min_size_reached", stranger)).status).toBe(404);
    const invalid = await report("because");
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.code).toBe("validation_failed");
  });
});
