/**
 * DELETE /v1/clusters/{id}: refused while machines are in use unless forced;
 * a delete never loses a machine (every one still exists, in a legal state,
 * out of the deleted cluster), cuts off the agent and scoped tokens, bumps
 * and publishes the state version, and frees the name.
 */
import { randomUUID } from "node:crypto";
import { and, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clusters, type Machine, machines, operations } from "../../../../../../drizzle/schema/index.ts";
import { stateVersionCacheKey } from "../../../../../../functions/services/clusters/state-version.ts";
import { isMachineState, type MachineState } from "../../../../../../proto/machine-states.ts";
import { startTestApi, type TestApi } from "../../../../../support/api.ts";
import { seedCluster, seedMachines, seedPool } from "../../../../../support/fixtures.ts";
import { requirePostgres } from "../../../../../support/postgres.ts";

const ok = await requirePostgres();

describe.skipIf(!ok)("deleting clusters", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api?.close());

  /** A cluster with a pool and machines in the given states. */
  async function populated(states: Partial<Record<MachineState, number>>) {
    const db = api.database.db;
    const cluster = await seedCluster(db, { name: `d-${randomUUID().slice(0, 8)}` });
    const pool = await seedPool(db, cluster.id);
    const seeded: Machine[] = [];
    for (const [status, count] of Object.entries(states)) {
      seeded.push(
        ...(await seedMachines(db, count, {
          clusterId: cluster.id,
          poolId: pool.id,
          status: status as MachineState,
        })),
      );
    }
    return { cluster, pool, seeded };
  }
  const machinesById = async (ids: string[]) =>
    new Map(
      (await api.database.db.select().from(machines).where(inArray(machines.id, ids))).map((m) => [m.id, m]),
    );
  const clusterRow = async (id: string) =>
    (await api.database.db.select().from(clusters).where(eq(clusters.id, id)))[0]!;

  it("refuses while machines are in use, with counts per status, and changes nothing", async () => {
    const { cluster, seeded } = await populated({
      available: 1,
      ready: 2,
      joining: 1,
      draining: 1,
      fault: 1,
    });
    const res = await api.json("DELETE", `/v1/clusters/${cluster.id}`, { token: api.admin });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("conflict");
    expect(res.body.error.details).toEqual({
      clusterId: cluster.id,
      inUse: 4,
      inUseByStatus: { ready: 2, joining: 1, draining: 1 },
    });
    const explicit = await api.json("DELETE", `/v1/clusters/${cluster.id}?force=false`, { token: api.admin });
    expect(explicit.status).toBe(409);

    expect((await clusterRow(cluster.id)).deletedAt).toBeNull();
    const after = await machinesById(seeded.map((m) => m.id));
    for (const m of seeded) expect(after.get(m.id)).toEqual(m);
  });

  it("forced: faults in-use machines, releases the rest, loses none, and cuts the cluster off", async () => {
    const { cluster, pool, seeded } = await populated({
      available: 2,
      reserved: 1,
      joining: 1,
      ready: 2,
      draining: 1,
      leaving: 1,
      fault: 1,
      maintenance: 1,
    });
    const agent = await api.agentCredentialFor(cluster.id);
    const scoped = await api.tokenFor("viewer", cluster.id);
    expect((await api.call("GET", `/v1/clusters/${cluster.id}`, { token: scoped })).status).toBe(200);
    const versionBefore = (await clusterRow(cluster.id)).stateVersion;

    const res = await api.json("DELETE", `/v1/clusters/${cluster.id}?force=true`, { token: api.admin });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      clusterId: cluster.id,
      name: cluster.name,
      releasedMachines: 4,
      faultedMachines: 6,
      revokedTokens: 1,
    });

    const after = await machinesById(seeded.map((m) => m.id));
    expect(after.size).toBe(seeded.length);
    for (const before of seeded) {
      const now = after.get(before.id)!;
      expect(isMachineState(now.status)).toBe(true);
      expect(now.clusterId).toBeNull();
      expect(now.poolId).toBeNull();
      expect(now.version).toBe(before.version + 1);
      if (["reserved", "joining", "ready", "draining", "leaving"].includes(before.status)) {
        expect(now.status).toBe("fault");
        expect(now.statusReason).toBe("cluster deleted");
      } else {
        expect(now.status).toBe(before.status);
      }
    }

    const events = await api.database.db
      .select()
      .from(operations)
      .where(
        inArray(
          operations.machineId,
          seeded.map((m) => m.id),
        ),
      );
    const faultEvents = events.filter((e) => e.kind === "machine.transition");
    expect(faultEvents).toHaveLength(6);
    for (const e of faultEvents) {
      expect(e.metadata).toMatchObject({
        to: "fault",
        reason: "cluster deleted",
        formerClusterId: cluster.id,
        formerPoolId: pool.id,
      });
    }
    const released = events.filter((e) => e.kind === "machine.released");
    expect(released).toHaveLength(4);
    expect(released.every((e) => e.clusterId === cluster.id)).toBe(true);

    const row = await clusterRow(cluster.id);
    expect(row.deletedAt).not.toBeNull();
    expect(row.agentCredentialHash).toBeNull();
    expect(row.registrationTokenHash).toBeNull();
    expect(row.stateVersion).toBeGreaterThan(versionBefore);
    expect(await api.deps.coordination.cacheGet<number>(stateVersionCacheKey(cluster.id))).toBe(
      row.stateVersion,
    );

    expect((await api.call("GET", "/v1/agent/state", { token: agent })).status).toBe(401);
    expect((await api.call("GET", `/v1/clusters/${cluster.id}`, { token: scoped })).status).toBe(401);
    expect((await api.call("GET", `/v1/clusters/${cluster.id}`, { token: api.admin })).status).toBe(404);
    const list = await api.json("GET", `/v1/clusters?q=${cluster.name}`, { token: api.admin });
    expect(list.body.items).toEqual([]);
    expect((await api.call("DELETE", `/v1/clusters/${cluster.id}`, { token: api.admin })).status).toBe(404);
  });

  it("deletes without force when nothing is in use, returning available machines to free inventory", async () => {
    const { cluster, seeded } = await populated({ available: 3, archived: 1 });
    const versionBefore = (await clusterRow(cluster.id)).stateVersion;
    const res = await api.json("DELETE", `/v1/clusters/${cluster.id}`, { token: api.admin });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ releasedMachines: 4, faultedMachines: 0 });
    const free = await api.database.db
      .select()
      .from(machines)
      .where(
        and(
          inArray(
            machines.id,
            seeded.map((m) => m.id),
          ),
          eq(machines.status, "available"),
        ),
      );
    expect(free).toHaveLength(3);
    expect(free.every((m) => m.clusterId === null && m.poolId === null)).toBe(true);
    expect((await clusterRow(cluster.id)).stateVersion).toBe(versionBefore + 1);
  });

  it("frees the name for a new cluster", async () => {
    const first = await api.json("POST", "/v1/clusters", { token: api.admin, body: { name: "reused-name" } });
    expect(first.status).toBe(201);
    const dup = await api.json("POST", "/v1/clusters", { token: api.admin, body: { name: "reused-name" } });
    expect(dup.status).toBe(409);
    expect(
      (await api.call("DELETE", `/v1/clusters/${first.body.cluster.id}`, { token: api.admin })).status,
    ).toBe(200);
    const second = await api.json("POST", "/v1/clusters", {
      token: api.admin,
      body: { name: "reused-name" },
    });
    expect(second.status).toBe(201);
    expect(second.body.cluster.id).not.toBe(first.body.cluster.id);
    // the old registration token is dead with its cluster
    expect(await clusterRow(first.body.cluster.id)).toMatchObject({ registrationTokenHash: null });
  });

  it("lets a scoped admin delete only its own cluster", async () => {
    const { cluster } = await populated({ available: 1 });
    const other = await populated({});
    const scopedAdmin = await api.tokenFor("admin", cluster.id);
    expect(
      (await api.call("DELETE", `/v1/clusters/${other.cluster.id}`, { token: scopedAdmin })).status,
    ).toBe(404);
    expect((await clusterRow(other.cluster.id)).deletedAt).toBeNull();
    expect((await api.call("DELETE", `/v1/clusters/${cluster.id}`, { token: scopedAdmin })).status).toBe(200);
  });

  it("rejects a bad force value or id with a 400 envelope", async () => {
    const { cluster } = await populated({ ready: 1 });
    for (const path of [`/v1/clusters/${cluster.id}?force=yes`, `/v1/clusters/${"x".repeat(64)}`]) {
      const res = await api.json("DELETE", path, { token: api.admin });
      expect(res.status, path).toBe(400);
      expect(res.body.error.code).toBe("validation_failed");
    }
    expect((await clusterRow(cluster.id)).deletedAt).toBeNull();
  });
});
