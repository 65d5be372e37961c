/**
 * The tenant boundary of the shared free inventory (issue 12, item 1), on the
 * real API: a token scoped to cluster A sets a machine's SSH identity (import,
 * PATCH), returns it to the free inventory (unassign, archive + restore), and
 * no other cluster is given it (allocation, assign, move) until an unscoped
 * operator confirms the identity. A's own allocations still may take it.
 * Runs on Postgres and on embedded PGlite.
 */
import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { machines, operations } from "../../../../../../drizzle/schema/index.ts";
import { startTestApi, TEST_API_DRIVERS, type TestApi } from "../../../../../support/api.ts";
import { seedCluster, seedPool, uniqueIp } from "../../../../../support/fixtures.ts";
import { requirePostgres } from "../../../../../support/postgres.ts";

const ok = await requirePostgres();

describe.each(TEST_API_DRIVERS)("machines: inventory boundary between clusters on %s", (driver) => {
  describe.skipIf(driver !== "pglite" && !ok)(driver, () => {
    let api: TestApi;
    let unscoped: string;
    beforeAll(async () => {
      api = await startTestApi({ driver });
      unscoped = await api.tokenFor("operator", null);
    });
    afterAll(() => api?.close());

    /** Two clusters whose pools take only machines labelled with this test's tag, and their tokens. */
    async function twoClusters() {
      const { db } = api.database;
      const tag = randomUUID().slice(0, 8);
      const side = async () => {
        const cluster = await seedCluster(db);
        const pool = await seedPool(db, cluster.id, { hardwareRequirements: { machineLabels: { tag } } });
        const operator = await api.tokenFor("operator", cluster.id);
        const credential = await api.agentCredentialFor(cluster.id);
        let n = 0;
        const allocate = () =>
          api.json("POST", "/v1/agent/allocations", {
            token: credential,
            body: { poolId: pool.id, delta: 1, requestId: `scale-up:${++n}` },
          });
        return { cluster, pool, operator, allocate };
      };
      return { tag, a: await side(), b: await side() };
    }

    const machineRow = (tag: string) => ({
      hostname: `attacker-${randomUUID().slice(0, 8)}`,
      ip: uniqueIp(),
      sshUser: "root",
      hostKeyFingerprint: `SHA256:${"A".repeat(43)}`,
      cpuCores: 8,
      memoryBytes: 32 * 2 ** 30,
      labels: { tag },
    });

    async function importInto(token: string, cluster: { id: string }, pool: { id: string }, tag: string) {
      const res = await api.json("POST", `/v1/machines/import?clusterId=${cluster.id}&poolId=${pool.id}`, {
        token,
        body: [machineRow(tag)],
      });
      expect(res.status).toBe(200);
      expect(res.body.applied).toBe(true);
      return res.body.results[0].machineId as string;
    }

    const get = async (id: string) => (await api.json("GET", `/v1/machines/${id}`, { token: unscoped })).body;
    const unassign = (token: string, id: string) =>
      api.json("POST", `/v1/machines/${id}/unassign`, { token, body: {} });
    const confirm = (token: string, id: string) =>
      api.json("POST", `/v1/machines/${id}/confirm-identity`, { token, body: {} });

    it("the finding: a machine imported and unassigned by a token scoped to A is not allocated to B", async () => {
      const { tag, a, b } = await twoClusters();
      const id = await importInto(a.operator, a.cluster, a.pool, tag);
      expect(await get(id)).toMatchObject({
        createdBy: expect.stringMatching(/^token:/),
        originClusterId: a.cluster.id,
        identity: {
          setBy: expect.stringMatching(/^token:/),
          scopeClusterId: a.cluster.id,
          confirmedBy: null,
        },
      });

      const released = await unassign(a.operator, id);
      expect(released.status).toBe(200);
      expect(released.body).toMatchObject({ clusterId: null, poolId: null, originClusterId: a.cluster.id });
      expect(released.body.identity.scopeClusterId).toBe(a.cluster.id);

      // B's scale-up finds no machine: the one in the free inventory is A's to vouch for
      const refused = await b.allocate();
      expect(refused.status).toBe(409);
      expect(refused.body.error).toMatchObject({ code: "not_enough_machines", details: { available: 0 } });
      expect((await get(id)).status).toBe("available");

      // A's own scale-up may take it back
      const own = await a.allocate();
      expect(own.status).toBe(200);
      expect(own.body.machines.map((m: { id: string }) => m.id)).toEqual([id]);
    });

    it("after an unscoped operator confirms the identity, another cluster may be given the machine", async () => {
      const { tag, a, b } = await twoClusters();
      const id = await importInto(a.operator, a.cluster, a.pool, tag);
      expect((await unassign(a.operator, id)).status).toBe(200);
      expect((await b.allocate()).status).toBe(409);

      const confirmed = await confirm(unscoped, id);
      expect(confirmed.status).toBe(200);
      expect(confirmed.body.identity).toMatchObject({
        scopeClusterId: null,
        confirmedBy: expect.stringMatching(/^token:/),
        confirmedAt: expect.any(String),
      });
      const events = await api.database.db
        .select()
        .from(operations)
        .where(and(eq(operations.machineId, id), eq(operations.kind, "machine.identity_confirmed")));
      expect(events).toHaveLength(1);
      expect(events[0]!.metadata).toMatchObject({ previousScopeClusterId: a.cluster.id });

      const given = await b.allocate();
      expect(given.status).toBe(200);
      expect(given.body.machines.map((m: { id: string }) => m.id)).toEqual([id]);
    });

    it("create: a scoped token cannot add to the free inventory; an unscoped creator is recorded, unscoped", async () => {
      const { tag, a, b } = await twoClusters();
      const scoped = await api.json("POST", "/v1/machines", { token: a.operator, body: machineRow(tag) });
      expect(scoped.status).toBe(403);

      const created = await api.json("POST", "/v1/machines", { token: unscoped, body: machineRow(tag) });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        createdBy: expect.stringMatching(/^token:/),
        originClusterId: null,
        identity: { setBy: created.body.createdBy, scopeClusterId: null },
      });
      const given = await b.allocate();
      expect(given.status).toBe(200);
      expect(given.body.machines.map((m: { id: string }) => m.id)).toEqual([created.body.id]);
    });

    it("import overwrite of SSH settings by a scoped token scopes the machine", async () => {
      const { tag, a, b } = await twoClusters();
      const created = await api.json("POST", "/v1/machines", { token: unscoped, body: machineRow(tag) });
      const id = created.body.id as string;
      const assigned = await api.json("POST", `/v1/machines/${id}/assign`, {
        token: unscoped,
        body: { clusterId: a.cluster.id, poolId: a.pool.id },
      });
      expect(assigned.status).toBe(200);
      // only descriptive, non-identity fields: the scope stays as it was
      const labelsOnly = await api.json(
        "POST",
        `/v1/machines/import?clusterId=${a.cluster.id}&poolId=${a.pool.id}&overwrite=true`,
        { token: a.operator, body: [{ ip: created.body.ip, hostname: created.body.hostname, rack: "r9" }] },
      );
      expect(labelsOnly.body.results[0].status).toBe("updated");
      expect((await get(id)).identity.scopeClusterId).toBeNull();

      const overwrite = await api.json(
        "POST",
        `/v1/machines/import?clusterId=${a.cluster.id}&poolId=${a.pool.id}&overwrite=true`,
        {
          token: a.operator,
          body: [{ ip: created.body.ip, hostname: created.body.hostname, sshUser: "evil" }],
        },
      );
      expect(overwrite.status).toBe(200);
      expect(overwrite.body.results[0].status).toBe("updated");
      expect((await get(id)).identity).toMatchObject({ scopeClusterId: a.cluster.id });

      expect((await unassign(unscoped, id)).status).toBe(200);
      expect((await b.allocate()).status).toBe(409);
    });

    it("update: a scoped token changing SSH user, port or host key scopes the machine; labels do not", async () => {
      const { tag, a, b } = await twoClusters();
      for (const change of [
        { sshUser: "evil" },
        { sshPort: 2222 },
        { hostKeyFingerprint: `SHA256:${"B".repeat(42)}E` },
        { sshKeyRef: "other-key" },
      ]) {
        const created = await api.json("POST", "/v1/machines", { token: unscoped, body: machineRow(tag) });
        const id = created.body.id as string;
        await api.json("POST", `/v1/machines/${id}/assign`, {
          token: unscoped,
          body: { clusterId: a.cluster.id, poolId: a.pool.id },
        });
        const labels = await api.json("PATCH", `/v1/machines/${id}`, {
          token: a.operator,
          body: { tags: ["x"] },
        });
        expect(labels.status).toBe(200);
        expect(labels.body.identity.scopeClusterId).toBeNull();

        const patched = await api.json("PATCH", `/v1/machines/${id}`, { token: a.operator, body: change });
        expect(patched.status).toBe(200);
        expect(patched.body.identity).toMatchObject({
          setBy: expect.stringMatching(/^token:/),
          scopeClusterId: a.cluster.id,
        });
        // a later edit by an unscoped token does not vouch for the rest of the identity
        const unscopedEdit = await api.json("PATCH", `/v1/machines/${id}`, {
          token: unscoped,
          body: { sshPort: 2200 },
        });
        expect(unscopedEdit.body.identity.scopeClusterId).toBe(a.cluster.id);

        expect((await unassign(a.operator, id)).status).toBe(200);
        const refused = await b.allocate();
        expect(refused.status).toBe(409);
        expect(refused.body.error.code).toBe("not_enough_machines");
      }
    });

    it("assign and move into another cluster are refused until an unscoped operator confirms", async () => {
      const { tag, a, b } = await twoClusters();
      const id = await importInto(a.operator, a.cluster, a.pool, tag);

      // move, by an unscoped operator, straight from A's pool to B's
      const move = await api.json("POST", `/v1/machines/${id}/move`, {
        token: unscoped,
        body: { clusterId: b.cluster.id, poolId: b.pool.id },
      });
      expect(move.status).toBe(409);
      expect(move.body.error.code).toBe("conflict");
      expect(move.body.error.message).toMatch(/confirm-identity/);

      // a move within A is fine
      const otherA = await seedPool(api.database.db, a.cluster.id, {
        hardwareRequirements: { machineLabels: { tag } },
      });
      const within = await api.json("POST", `/v1/machines/${id}/move`, {
        token: a.operator,
        body: { clusterId: a.cluster.id, poolId: otherA.id },
      });
      expect(within.status).toBe(200);

      // assign, by an unscoped operator, from the free inventory into B
      expect((await unassign(a.operator, id)).status).toBe(200);
      const assign = await api.json("POST", `/v1/machines/${id}/assign`, {
        token: unscoped,
        body: { clusterId: b.cluster.id, poolId: b.pool.id },
      });
      expect(assign.status).toBe(409);
      expect(assign.body.error.message).toMatch(/unscoped operator or admin must confirm/);
      expect((await get(id)).clusterId).toBeNull();

      expect((await confirm(unscoped, id)).status).toBe(200);
      const assigned = await api.json("POST", `/v1/machines/${id}/assign`, {
        token: unscoped,
        body: { clusterId: b.cluster.id, poolId: b.pool.id },
      });
      expect(assigned.status).toBe(200);
      expect(assigned.body).toMatchObject({ clusterId: b.cluster.id, poolId: b.pool.id });
    });

    it("archive then restore keeps the scope and records the cluster the machine left", async () => {
      const { tag, a, b } = await twoClusters();
      const id = await importInto(a.operator, a.cluster, a.pool, tag);
      const archived = await api.json("POST", `/v1/machines/${id}/archive`, { token: a.operator, body: {} });
      expect(archived.status).toBe(200);
      expect(archived.body).toMatchObject({
        status: "archived",
        clusterId: null,
        originClusterId: a.cluster.id,
      });
      const restored = await api.json("POST", `/v1/machines/${id}/restore`, { token: unscoped, body: {} });
      expect(restored.status).toBe(200);
      expect(restored.body).toMatchObject({ status: "available", clusterId: null });
      expect(restored.body.identity.scopeClusterId).toBe(a.cluster.id);

      expect((await b.allocate()).status).toBe(409);
      expect((await a.allocate()).status).toBe(200);
    });

    it("confirm-identity needs an unscoped operator: a scoped operator and a viewer get 403", async () => {
      const { tag, a } = await twoClusters();
      const id = await importInto(a.operator, a.cluster, a.pool, tag);
      const scoped = await confirm(a.operator, id);
      expect(scoped.status).toBe(403);
      expect(scoped.body.error.message).toMatch(/unscoped/);
      const viewer = await confirm(await api.tokenFor("viewer", null), id);
      expect(viewer.status).toBe(403);
      const stale = await api.json("POST", `/v1/machines/${id}/confirm-identity`, {
        token: unscoped,
        body: { expectedVersion: 999 },
      });
      expect(stale.status).toBe(409);
      expect(stale.body.error.code).toBe("stale_version");
      const [row] = await api.database.db.select().from(machines).where(eq(machines.id, id));
      expect(row).toMatchObject({ identityScopeClusterId: a.cluster.id, identityConfirmedBy: null });
    });
  });
});
