/**
 * Acceptance: 50 concurrent agent allocations over HTTP across 5 pools of one
 * cluster, sharing a free inventory too small for the demand. No machine may
 * be reserved twice, no pool may exceed its max, every machine must be
 * accounted for, and failures must be the typed 409s. Then every successful
 * request id is retried concurrently: identical machine lists, nothing new
 * reserved.
 */
import { eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allocations, machines, type NodePool } from "../../../../../drizzle/schema/index.ts";
import { IN_USE_STATES } from "../../../../../proto/machine-states.ts";
import { startTestApi, type TestApi } from "../../../../support/api.ts";
import { seedCluster, seedMachines, seedPool } from "../../../../support/fixtures.ts";
import { requirePostgres } from "../../../../support/postgres.ts";

const ok = await requirePostgres();

const POOL_MAX = [2, 4, 6, 10, 40];
const FREE_MACHINES = 30;
const REQUESTS = 50;

interface Answer {
  requestId: string;
  poolIndex: number;
  delta: number;
  status: number;
  body: { machines?: { id: string }[]; created?: boolean; error?: { code: string } };
}

describe.skipIf(!ok)("concurrent agent allocations", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ maxConnections: 25 });
  });
  afterAll(() => api?.close());

  it("never reserves a machine twice or grows a pool past max, and replays every success", async () => {
    const { db } = api.database;
    const cluster = await seedCluster(db);
    const pools: NodePool[] = [];
    for (const maxSize of POOL_MAX) pools.push(await seedPool(db, cluster.id, { maxSize }));
    const inventory = await seedMachines(db, FREE_MACHINES);
    const credential = await api.agentCredentialFor(cluster.id);

    // pool i gets every 5th request; deltas cycle 1..3, so demand (≈100) far exceeds supply (30)
    const requests = Array.from({ length: REQUESTS }, (_, i) => ({
      requestId: `scale-up:${i}`,
      poolIndex: i % pools.length,
      delta: (i % 3) + 1,
    }));
    const send = (r: (typeof requests)[number]) =>
      api
        .json("POST", "/v1/agent/allocations", {
          token: credential,
          body: { poolId: pools[r.poolIndex]!.id, delta: r.delta, requestId: r.requestId },
        })
        .then(({ status, body }): Answer => ({ ...r, status, body }));

    const answers = await Promise.all(requests.map(send));
    const won = answers.filter((a) => a.status === 200);
    const lost = answers.filter((a) => a.status !== 200);
    console.log(
      `[allocation-concurrency] ${won.length} succeeded, ${lost.length} refused: ${JSON.stringify(
        countBy(lost.map((a) => `${a.status} ${a.body.error?.code}`)),
      )}`,
    );

    // failures are only the typed, expected refusals
    for (const a of lost) {
      expect([a.requestId, a.status]).toEqual([a.requestId, 409]);
      expect(["pool_at_max", "not_enough_machines"]).toContain(a.body.error?.code);
    }
    const codes = new Set(lost.map((a) => a.body.error?.code));
    expect(codes).toEqual(new Set(["pool_at_max", "not_enough_machines"]));

    // no machine twice; each success got exactly its delta
    const reservedIds = won.flatMap((a) => a.body.machines!.map((m) => m.id));
    expect(new Set(reservedIds).size).toBe(reservedIds.length);
    for (const a of won) expect(a.body.machines).toHaveLength(a.delta);

    // the database agrees: no pool above max, every machine either free or in exactly one answer
    const rows = await db
      .select()
      .from(machines)
      .where(
        inArray(
          machines.id,
          inventory.map((m) => m.id),
        ),
      );
    const poolOf = new Map(won.flatMap((a) => a.body.machines!.map((m) => [m.id, pools[a.poolIndex]!.id])));
    for (const m of rows) {
      if (poolOf.has(m.id)) {
        expect(m).toMatchObject({ status: "reserved", poolId: poolOf.get(m.id), clusterId: cluster.id });
      } else {
        expect(m).toMatchObject({ status: "available", poolId: null, clusterId: null });
      }
    }
    pools.forEach((pool, i) => {
      const inUse = rows.filter((m) => m.poolId === pool.id && IN_USE_STATES.includes(m.status)).length;
      expect(inUse).toBeLessThanOrEqual(POOL_MAX[i]!);
    });
    expect(reservedIds.length).toBeLessThanOrEqual(FREE_MACHINES);
    const stored = await db.select().from(allocations).where(eq(allocations.clusterId, cluster.id));
    expect(stored.map((s) => s.requestId).sort()).toEqual(won.map((a) => a.requestId).sort());

    // every success retried at once: the same machines, nothing new reserved
    const retries = await Promise.all(won.map(send));
    retries.forEach((retry, i) => {
      expect([retry.requestId, retry.status, retry.body.created]).toEqual([won[i]!.requestId, 200, false]);
      expect(retry.body.machines).toEqual(won[i]!.body.machines);
    });
    const reservedAfter = await db
      .select({ id: machines.id })
      .from(machines)
      .where(eq(machines.clusterId, cluster.id));
    expect(reservedAfter.map((m) => m.id).sort()).toEqual([...reservedIds].sort());
  }, 60_000);
});

function countBy(keys: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of keys) out[k] = (out[k] ?? 0) + 1;
  return out;
}
