/**
 * GET /v1/clusters and /v1/clusters/{id} (issue 16): how each cluster is
 * reached (a registered agent, an imported kubeconfig, both), the kubeconfig's
 * metadata (never its ciphertext), the API server's stored state, the filters
 * on them (apiServerStatus, access, version), the four sorts with keyset
 * pages that neither repeat nor skip a row, and the 400s for a cursor of
 * another sort and for bad filter values.
 *
 * The kubeconfig and state rows are the list's input, written here as the
 * import and the probe job leave them: this file tests reading them. On
 * Postgres and on PGlite (the single-node install's database).
 */
import { randomUUID } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../../../../../drizzle/client.ts";
import { clusterKubeconfigs, clusterStates, clusters } from "../../../../../../drizzle/schema/index.ts";
import { startTestApi, TEST_API_DRIVERS, type TestApi } from "../../../../../support/api.ts";
import { seedCluster } from "../../../../../support/fixtures.ts";
import { requirePostgres } from "../../../../../support/postgres.ts";

const ok = await requirePostgres();

const SEALED = "v1.k1.bm9uY2U.c2VhbGVkLWt1YmVjb25maWc";

type StateSeed = Partial<typeof clusterStates.$inferInsert> & {
  status: "healthy" | "degraded" | "unreachable" | "unauthorized";
};

async function seedKubeconfig(db: Db, clusterId: string, server: string) {
  await db.insert(clusterKubeconfigs).values({
    clusterId,
    ciphertext: SEALED,
    encryptionKeyId: "k1",
    server,
    contextName: "admin@x",
    authKind: "token",
    hasCertificateAuthority: true,
    version: 2,
  });
}

async function seedState(db: Db, clusterId: string, state: StateSeed) {
  await db.insert(clusterStates).values({
    clusterId,
    kubeconfigVersion: 2,
    checkedAt: new Date("2026-12-01T10:00:00.000Z"),
    ...state,
  });
}

interface Item {
  id: string;
  name: string;
  access: { agent: boolean; kubeconfig: boolean };
  kubeconfig: Record<string, unknown> | null;
  apiServer: Record<string, unknown> | null;
}

describe.each(TEST_API_DRIVERS)("listing clusters by how they are reached on %s", (driver) => {
  describe.skipIf(driver !== "pglite" && !ok)(driver, () => {
    let api: TestApi;
    const tag = `a${randomUUID().slice(0, 8)}`;
    const ids: Record<string, string> = {};
    /** each sort's expected order of the seeded clusters (ids break created_at ties) */
    const order: Record<string, string[]> = {};
    // the names sort differently from the creation order, and two share a created_at (id breaks the tie)
    const seeds = [
      { key: "agent", name: `${tag}-m-agent`, at: "2026-01-01T00:00:00.000001Z" },
      { key: "healthy", name: `${tag}-c-healthy`, at: "2026-01-01T00:00:00.000002Z" },
      { key: "degraded", name: `${tag}-z-degraded`, at: "2026-01-01T00:00:00.000002Z" },
      { key: "unreachable", name: `${tag}-a-unreachable`, at: "2026-01-02T00:00:00Z" },
      { key: "unauthorized", name: `${tag}-q-unauthorized`, at: "2026-01-03T00:00:00Z" },
      { key: "unchecked", name: `${tag}-b-unchecked`, at: "2026-01-04T00:00:00Z" },
      { key: "both", name: `${tag}-k-both`, at: "2026-01-05T00:00:00Z" },
      { key: "stale", name: `${tag}-d-stale`, at: "2026-01-06T00:00:00Z" },
      { key: "plain", name: `${tag}-y-plain`, at: "2026-01-07T00:00:00Z" },
    ] as const;

    beforeAll(async () => {
      api = await startTestApi({ driver });
      const db = api.database.db;
      for (const seed of seeds) {
        const row = await seedCluster(db, {
          name: seed.name,
          status: "pending",
          kubernetesVersion: seed.key === "agent" ? "v1.30.2" : seed.key === "both" ? "v1.29.1" : null,
        });
        ids[seed.key] = row.id;
      }
      // created_at at microseconds: a JS Date cannot say .000001
      for (const seed of seeds) {
        await db
          .update(clusters)
          .set({ createdAt: sql`${seed.at}::timestamptz` })
          .where(eq(clusters.id, ids[seed.key]!));
      }
      await api.agentCredentialFor(ids.agent!);
      await api.agentCredentialFor(ids.both!);
      for (const key of ["healthy", "degraded", "unreachable", "unauthorized", "unchecked", "both"]) {
        await seedKubeconfig(db, ids[key]!, `https://${key}.example.net:6443`);
      }
      const figures = {
        nodeCountTotal: 5,
        nodeCountReady: 4,
        cpuCapacityMillis: 20_000,
        memoryCapacityBytes: 80 * 2 ** 30,
        cpuAllocatableMillis: 19_000,
        memoryAllocatableBytes: 76 * 2 ** 30,
      };
      await seedState(db, ids.healthy!, {
        status: "healthy",
        kubernetesVersion: "v1.31.0",
        latencyMs: 12,
        lastHealthyAt: new Date("2026-12-01T10:00:00.000Z"),
        ...figures,
      });
      await seedState(db, ids.degraded!, {
        status: "degraded",
        kubernetesVersion: "v1.30.10-eks-1552ad0",
        error: "2 of 5 nodes are not ready",
        ...figures,
      });
      await seedState(db, ids.unreachable!, {
        status: "unreachable",
        error: "connect ECONNREFUSED 10.0.0.1:6443",
        consecutiveFailures: 3,
      });
      await seedState(db, ids.unauthorized!, {
        status: "unauthorized",
        kubernetesVersion: "v1.300.0",
        error: "the API server answered 401",
      });
      await seedState(db, ids.both!, { status: "healthy", kubernetesVersion: "v1.31.0" });
      // a check of a kubeconfig since removed: neither shown nor matched
      await seedState(db, ids.stale!, { status: "healthy", kubernetesVersion: "v1.28.0" });

      const byCreated = [...seeds].sort((a, b) =>
        a.at === b.at ? (ids[a.key]! < ids[b.key]! ? -1 : 1) : a.at < b.at ? -1 : 1,
      );
      const byName = [...seeds].sort((a, b) => (a.name < b.name ? -1 : 1));
      order.createdAt = byCreated.map((s) => s.key);
      order["-createdAt"] = [...order.createdAt].reverse();
      order.name = byName.map((s) => s.key);
      order["-name"] = [...order.name].reverse();
    });
    afterAll(() => api?.close());

    const list = async (query: string) => {
      const { status, body } = await api.json("GET", `/v1/clusters?q=${tag}&${query}`, { token: api.admin });
      expect(status, JSON.stringify(body)).toBe(200);
      return body as { items: Item[]; nextCursor: string | null };
    };
    const keysOf = (items: Item[]) => items.map((c) => Object.entries(ids).find(([, id]) => id === c.id)![0]);
    const matching = async (query: string) => keysOf((await list(`limit=500&${query}`)).items).sort();

    it("shows the access, the kubeconfig's metadata and the API server's state, never the kubeconfig", async () => {
      const { status, body, res } = await api.json("GET", `/v1/clusters/${ids.healthy}`, {
        token: api.admin,
      });
      expect(status).toBe(200);
      expect(body.access).toEqual({ agent: false, kubeconfig: true });
      expect(body.kubeconfig).toEqual({
        server: "https://healthy.example.net:6443",
        contextName: "admin@x",
        authKind: "token",
        hasCertificateAuthority: true,
        version: 2,
        updatedAt: expect.any(String),
      });
      expect(body.apiServer).toEqual({
        status: "healthy",
        error: null,
        checkedAt: "2026-12-01T10:00:00.000Z",
        lastHealthyAt: "2026-12-01T10:00:00.000Z",
        consecutiveFailures: 0,
        latencyMs: 12,
        kubernetesVersion: "v1.31.0",
        nodes: { total: 5, ready: 4 },
        capacity: { cpuMillis: 20_000, memoryBytes: 80 * 2 ** 30 },
        allocatable: { cpuMillis: 19_000, memoryBytes: 76 * 2 ** 30 },
      });
      const text = JSON.stringify(body);
      expect(text).not.toContain(SEALED);
      expect(text).not.toMatch(/ciphertext|encryptionKeyId/i);
      expect(res.headers.get("content-type")).toContain("application/json");

      const { items } = await list("limit=500");
      const byKey = Object.fromEntries(items.map((c) => [keysOf([c])[0], c]));
      expect(byKey.healthy).toEqual(body);
      expect(byKey.agent).toMatchObject({
        access: { agent: true, kubeconfig: false },
        kubeconfig: null,
        apiServer: null,
      });
      expect(byKey.both).toMatchObject({
        access: { agent: true, kubeconfig: true },
        apiServer: { status: "healthy" },
      });
      expect(byKey.unchecked).toMatchObject({ access: { agent: false, kubeconfig: true }, apiServer: null });
      expect(byKey.unreachable!.apiServer).toMatchObject({
        status: "unreachable",
        error: "connect ECONNREFUSED 10.0.0.1:6443",
        consecutiveFailures: 3,
        nodes: null,
        capacity: null,
        allocatable: null,
      });
      expect(byKey.stale).toMatchObject({
        access: { agent: false, kubeconfig: false },
        kubeconfig: null,
        apiServer: null,
      });
      expect(JSON.stringify(items)).not.toContain(SEALED);

      // every route that answers with a cluster shows the same
      const patched = await api.json("PATCH", `/v1/clusters/${ids.degraded}`, {
        token: api.admin,
        body: { description: "patched" },
      });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({
        access: { agent: false, kubeconfig: true },
        kubeconfig: { server: "https://degraded.example.net:6443" },
        apiServer: { status: "degraded", error: "2 of 5 nodes are not ready" },
      });
    });

    it("filters on the API server's status; unchecked is a kubeconfig not checked yet", async () => {
      expect(await matching("apiServerStatus=healthy")).toEqual(["both", "healthy"]);
      expect(await matching("apiServerStatus=degraded")).toEqual(["degraded"]);
      expect(await matching("apiServerStatus=unreachable")).toEqual(["unreachable"]);
      expect(await matching("apiServerStatus=unauthorized")).toEqual(["unauthorized"]);
      expect(await matching("apiServerStatus=unchecked")).toEqual(["unchecked"]);
    });

    it("filters on access", async () => {
      expect(await matching("access=agent")).toEqual(["agent", "both"]);
      expect(await matching("access=kubeconfig")).toEqual(
        ["both", "degraded", "healthy", "unauthorized", "unchecked", "unreachable"].sort(),
      );
      expect(await matching("access=agent&apiServerStatus=healthy")).toEqual(["both"]);
    });

    it("filters on a version prefix by whole components, the agent's report first", async () => {
      expect(await matching("version=1.30")).toEqual(["agent", "degraded"]);
      expect(await matching("version=v1.30")).toEqual(["agent", "degraded"]);
      expect(await matching("version=1.30.10")).toEqual(["degraded"]);
      expect(await matching("version=1.3")).toEqual([]);
      expect(await matching("version=1.300")).toEqual(["unauthorized"]);
      // "both": its agent says 1.29, the API server check 1.31; the agent's report wins
      expect(await matching("version=1.29")).toEqual(["both"]);
      expect(await matching("version=1.31")).toEqual(["healthy"]);
      expect(await matching("version=1")).toEqual(["agent", "both", "degraded", "healthy", "unauthorized"]);
      expect(await matching("version=1.31&apiServerStatus=healthy&sort=-name")).toEqual(["healthy"]);
    });

    for (const sort of ["createdAt", "-createdAt", "name", "-name"]) {
      it(`pages through sort=${sort} without repeating or skipping a row`, async () => {
        for (const limit of [1, 2, 4]) {
          const seen: Item[] = [];
          let cursor: string | null = null;
          let pages = 0;
          do {
            const page = await list(`sort=${sort}&limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`);
            expect(page.items.length).toBeLessThanOrEqual(limit);
            seen.push(...page.items);
            cursor = page.nextCursor;
            pages++;
          } while (cursor && pages < 20);
          expect(keysOf(seen), `limit ${limit}`).toEqual(order[sort]);
          expect(pages).toBe(Math.ceil(seeds.length / limit));
        }
      });
    }

    it("defaults to createdAt, and pages a filtered list too", async () => {
      expect(keysOf((await list("limit=500")).items)).toEqual(order.createdAt);
      const first = await list("sort=-name&access=kubeconfig&limit=4");
      const second = await list(`sort=-name&access=kubeconfig&limit=4&cursor=${first.nextCursor}`);
      expect([...keysOf(first.items), ...keysOf(second.items)]).toEqual(
        order["-name"]!.filter((k) =>
          ["both", "degraded", "healthy", "unauthorized", "unchecked", "unreachable"].includes(k),
        ),
      );
      expect(second.nextCursor).toBeNull();
    });

    it("refuses a cursor made for another sort, naming both", async () => {
      const byName = await list("sort=name&limit=2");
      for (const other of ["-name", "createdAt", "-createdAt"]) {
        const res = await api.json("GET", `/v1/clusters?sort=${other}&limit=2&cursor=${byName.nextCursor}`, {
          token: api.admin,
        });
        expect(res.status, other).toBe(400);
        expect(res.body.error.code).toBe("validation_failed");
        expect(res.body.error.message).toContain(`sort=name, not sort=${other}`);
      }
      // the default sort is createdAt: a name cursor without sort= is refused too
      const bare = await api.json("GET", `/v1/clusters?limit=2&cursor=${byName.nextCursor}`, {
        token: api.admin,
      });
      expect(bare.status).toBe(400);
    });

    it("answers 400 for bad filter values and forged cursors", async () => {
      const forged = (values: object) => Buffer.from(JSON.stringify(values)).toString("base64url");
      for (const query of [
        "apiServerStatus=sleepy",
        "apiServerStatus=HEALTHY",
        "access=ssh",
        "version=abc",
        "version=1.30.x",
        "version=1.2.3.4",
        "version=",
        "version=v",
        "sort=age",
        "sort=name,createdAt",
        `cursor=${forged({ sort: "createdAt", key: "2026-01-01", id: randomUUID() })}`,
        `cursor=${forged({ sort: "createdAt", key: "2026-01-01T00:00:00.000001Z", id: "x" })}`,
        `sort=name&cursor=${forged({ sort: "name", key: "x".repeat(64), id: randomUUID() })}`,
        `cursor=${forged({ at: "2026-01-01T00:00:00.000001Z", id: randomUUID() })}`,
      ]) {
        const res = await api.json("GET", `/v1/clusters?${query}`, { token: api.admin });
        expect(res.status, query).toBe(400);
        expect(res.body.error.code, query).toBe("validation_failed");
      }
    });

    it("keeps soft-deleted clusters out of every filter and sort", async () => {
      const db = api.database.db;
      const gone = await seedCluster(db, { name: `${tag}-gone`, deletedAt: new Date() });
      await seedKubeconfig(db, gone.id, "https://gone.example.net");
      for (const query of [
        "access=kubeconfig",
        "apiServerStatus=unchecked",
        "sort=-createdAt",
        "sort=name",
      ]) {
        expect(
          (await list(`limit=500&${query}`)).items.map((c) => c.id),
          query,
        ).not.toContain(gone.id);
      }
      expect((await api.json("GET", `/v1/clusters/${gone.id}`, { token: api.admin })).status).toBe(404);
    });
  });
});
