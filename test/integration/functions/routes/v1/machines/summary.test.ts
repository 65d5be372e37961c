/**
 * GET /v1/machines/summary: machines by status in all, in the free inventory
 * and per cluster, kept right by the API's own verbs (import, assign, fault,
 * archive) and equal to what GET /v1/machines lists to the same token; a
 * cluster-scoped token sees its cluster only; who may read it.
 * Runs on Postgres and on embedded PGlite.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MACHINE_STATES, type MachineState } from "../../../../../../proto/machine-states.ts";
import { startTestApi, TEST_API_DRIVERS, type TestApi } from "../../../../../support/api.ts";
import { seedCluster, seedPool, uniqueIp } from "../../../../../support/fixtures.ts";
import { requirePostgres } from "../../../../../support/postgres.ts";

const ok = await requirePostgres();

type Counts = Record<MachineState, number>;
interface Tally {
  total: number;
  byStatus: Counts;
}
interface Summary extends Tally {
  free: Tally;
  clusters: (Tally & { clusterId: string; clusterName: string })[];
}

/** Every state, zero unless given. */
const counts = (some: Partial<Counts> = {}): Counts =>
  Object.fromEntries(MACHINE_STATES.map((s) => [s, some[s] ?? 0])) as Counts;
const tally = (some: Partial<Counts> = {}): Tally => {
  const byStatus = counts(some);
  return { total: Object.values(byStatus).reduce((a, b) => a + b, 0), byStatus };
};

describe.each(TEST_API_DRIVERS)("machines summary on %s", (driver) => {
  describe.skipIf(driver !== "pglite" && !ok)(driver, () => {
    let api: TestApi;
    let operator: string;
    let viewer: string;
    let scopedViewerA: string;
    const a = { id: "", pool: "" };
    const b = { id: "", pool: "" };
    let emptyCluster: string;

    beforeAll(async () => {
      api = await startTestApi({ driver });
      const { db } = api.database;
      a.id = (await seedCluster(db, { name: "summary-a" })).id;
      a.pool = (await seedPool(db, a.id)).id;
      b.id = (await seedCluster(db, { name: "summary-b" })).id;
      b.pool = (await seedPool(db, b.id)).id;
      emptyCluster = (await seedCluster(db, { name: "summary-c" })).id;
      operator = await api.tokenFor("operator");
      viewer = await api.tokenFor("viewer");
      scopedViewerA = await api.tokenFor("viewer", a.id);
    });
    afterAll(() => api?.close());

    const summary = async (token: string) => {
      const res = await api.json<Summary>("GET", "/v1/machines/summary", { token });
      expect(res.status).toBe(200);
      return res.body;
    };

    /** Imports machines through the API, free or into a pool; returns their ids by hostname. */
    async function importMachines(hostnames: string[], into?: { id: string; pool: string }) {
      const query = into ? `?clusterId=${into.id}&poolId=${into.pool}` : "";
      const res = await api.json("POST", `/v1/machines/import${query}`, {
        token: operator,
        body: hostnames.map((hostname) => ({ hostname, ip: uniqueIp() })),
      });
      expect(res.status).toBe(200);
      expect(res.body.applied).toBe(true);
      return Object.fromEntries(
        (res.body.results as { machineId: string }[]).map((r, i) => [hostnames[i]!, r.machineId]),
      );
    }

    const act = async (id: string, verb: string, body: unknown = {}) => {
      const res = await api.json("POST", `/v1/machines/${id}/${verb}`, { token: operator, body });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    };

    /** What GET /v1/machines lists to this token, tallied the summary's way. */
    async function listed(token: string) {
      const res = await api.json("GET", "/v1/machines?limit=500", { token });
      expect(res.status).toBe(200);
      expect(res.body.nextCursor).toBeNull();
      const items = res.body.items as { clusterId: string | null; status: MachineState }[];
      const of = (pick: (m: (typeof items)[number]) => boolean) => {
        const byStatus = counts();
        for (const m of items.filter(pick)) byStatus[m.status] += 1;
        return { total: items.filter(pick).length, byStatus };
      };
      return {
        all: of(() => true),
        free: of((m) => m.clusterId === null),
        in: (id: string) => of((m) => m.clusterId === id),
      };
    }

    it("counts every state, zeros included, and follows imports, assign, fault and archive", async () => {
      const empty = await summary(operator);
      expect(empty).toEqual({
        ...tally(),
        free: tally(),
        clusters: [
          { clusterId: a.id, clusterName: "summary-a", ...tally() },
          { clusterId: b.id, clusterName: "summary-b", ...tally() },
          { clusterId: emptyCluster, clusterName: "summary-c", ...tally() },
        ],
      });

      const free = await importMachines(["free-1", "free-2", "free-3"]);
      const inA = await importMachines(["a-1", "a-2"], a);
      await act(free["free-1"]!, "assign", { clusterId: b.id, poolId: b.pool });
      await act(inA["a-1"]!, "fault", { reason: "disk errors" });
      await act(free["free-2"]!, "archive");

      const middle = await summary(operator);
      expect(middle.byStatus).toEqual(counts({ available: 3, fault: 1, archived: 1 }));
      expect(middle.total).toBe(5);
      expect(middle.free).toEqual(tally({ available: 1, archived: 1 }));
      expect(middle.clusters).toEqual([
        { clusterId: a.id, clusterName: "summary-a", ...tally({ available: 1, fault: 1 }) },
        { clusterId: b.id, clusterName: "summary-b", ...tally({ available: 1 }) },
        { clusterId: emptyCluster, clusterName: "summary-c", ...tally() },
      ]);

      // archiving takes the faulty machine out of its cluster: it is counted in the free inventory now
      await act(inA["a-1"]!, "archive");
      const after = await summary(viewer);
      expect(after.byStatus).toEqual(counts({ available: 3, archived: 2 }));
      expect(after.free).toEqual(tally({ available: 1, archived: 2 }));
      expect(after.clusters.map((c) => c.byStatus)).toEqual([
        counts({ available: 1 }),
        counts({ available: 1 }),
        counts(),
      ]);

      // the same machines the unfiltered list shows, archived included
      const list = await listed(viewer);
      expect({ total: after.total, byStatus: after.byStatus }).toEqual(list.all);
      expect(after.free).toEqual(list.free);
      for (const cluster of after.clusters) {
        expect({ total: cluster.total, byStatus: cluster.byStatus }).toEqual(list.in(cluster.clusterId));
      }
      expect(after.total).toBe(after.free.total + after.clusters.reduce((n, c) => n + c.total, 0));
    });

    it("shows a cluster-scoped token its own cluster only, never the free inventory", async () => {
      const scoped = await summary(scopedViewerA);
      expect(scoped.clusters.map((c) => c.clusterId)).toEqual([a.id]);
      expect(scoped.free).toEqual(tally());
      expect(scoped.total).toBe(scoped.clusters[0]!.total);
      expect(scoped.total).toBeGreaterThan(0);
      const list = await listed(scopedViewerA);
      expect({ total: scoped.total, byStatus: scoped.byStatus }).toEqual(list.all);
      expect(list.free.total).toBe(0);
    });

    it("lets a viewer read it; refuses agent credentials (403) and requests without a token (401)", async () => {
      expect((await api.json("GET", "/v1/machines/summary", { token: viewer })).status).toBe(200);
      const agent = await api.agentCredentialFor(b.id);
      const refused = await api.json("GET", "/v1/machines/summary", { token: agent });
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe("forbidden");
      const anonymous = await api.json("GET", "/v1/machines/summary");
      expect(anonymous.status).toBe(401);
      expect(anonymous.body.error.code).toBe("unauthorized");
    });
  });
});
