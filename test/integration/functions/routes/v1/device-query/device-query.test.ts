/**
 * POST /v1/device-query: the machines a template matches (inline or stored),
 * ANDed with every extra group, narrowed by cluster, pool (by name too) and
 * unassigned; keyset pages with the total; a cluster-scoped viewer sees only
 * its cluster's machines, never the free inventory; exactly one of template
 * and templateId; a read, so never audited. Every test tags its machines with
 * a rack of its own and queries inside it, so tests sharing the database do
 * not see each other's machines. On Postgres and on PGlite.
 */
import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Machine, NewMachine } from "../../../../../../drizzle/schema/index.ts";
import { auditLogs } from "../../../../../../drizzle/schema/index.ts";
import { startTestApi, TEST_API_DRIVERS, type TestApi } from "../../../../../support/api.ts";
import { seedCluster, seedMachines, seedPool } from "../../../../../support/fixtures.ts";
import { requirePostgres } from "../../../../../support/postgres.ts";

const ok = await requirePostgres();

type Block = { type: string; key: string; operator: string; value?: unknown };
type Group = { logic: "and" | "or"; blocks: Block[] };
type Result = {
  items: { id: string; hostname: string; clusterId: string | null }[];
  nextCursor: string | null;
  total: number;
  /** on a refusal: the error envelope */
  error?: { code: string; message: string; requestId: string; details?: { issues?: { path: string }[] } };
};

const device = (key: string, operator: string, value?: unknown): Block =>
  value === undefined ? { type: "device", key, operator } : { type: "device", key, operator, value };
const all = (...blocks: Block[]): Group => ({ logic: "and", blocks });
const any = (...blocks: Block[]): Group => ({ logic: "or", blocks });

describe.each(TEST_API_DRIVERS)("POST /v1/device-query on %s", (driver) => {
  describe.skipIf(driver !== "pglite" && !ok)(driver, () => {
    let api: TestApi;
    let viewer: string;
    let operator: string;
    beforeAll(async () => {
      api = await startTestApi({ driver });
      viewer = await api.tokenFor("viewer");
      operator = await api.tokenFor("operator");
    });
    afterAll(() => api?.close());

    /** A rack no other test uses, and a group that keeps a query inside it. */
    const newRack = () => {
      const rack = `rack-${randomUUID().slice(0, 8)}`;
      return { rack, inRack: all(device("rack", "eq", rack)) };
    };
    const seed = async (rack: string, values: Partial<NewMachine>) =>
      (await seedMachines(api.database.db, 1, { rack, ...values }))[0]!;
    const query = (body: unknown, token = viewer) =>
      api.json<Result>("POST", "/v1/device-query", { token, body });
    const idsOf = (res: { status: number; body: Result }) => {
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.items.map((m) => m.id).sort();
    };
    const sorted = (...machines: Machine[]) => machines.map((m) => m.id).sort();

    it("matches an inline template: groups by the template's logic, blocks by the group's", async () => {
      const { rack, inRack } = newRack();
      const bigA100 = await seed(rack, { gpuType: "A100", gpuCount: 8, labels: { zone: "a" } });
      const smallA100 = await seed(rack, { gpuType: "A100", gpuCount: 2, labels: { zone: "a" } });
      const dedicatedH100 = await seed(rack, {
        gpuType: "H100",
        gpuCount: 8,
        labels: { zone: "b" },
        taints: [{ key: "dedicated", value: "ml", effect: "NoSchedule" }],
      });
      const plain = await seed(rack, { gpuType: null, gpuCount: 0, labels: {} });
      const template = {
        logic: "or",
        groups: [
          all(device("gpuType", "eq", "A100"), device("gpuCount", "gte", 4)),
          all(
            { type: "nodeLabel", key: "zone", operator: "eq", value: "b" },
            { type: "taint", key: "dedicated", operator: "exists" },
          ),
        ],
      };
      const res = await query({ template, extra: [inRack] });
      expect(idsOf(res)).toEqual(sorted(bigA100, dedicatedH100));
      expect(res.body.total).toBe(2);
      expect(res.body.nextCursor).toBeNull();
      const first = res.body.items.find((m) => m.id === bigA100.id)!;
      expect(first).toMatchObject({
        hostname: bigA100.hostname,
        clusterId: null,
        gpuType: "A100",
        gpuCount: 8,
      });

      // a missing field or label is false, except for ne, notin and notexists
      const one = async (...blocks: Block[]) =>
        idsOf(await query({ template: { logic: "and", groups: [all(...blocks)] }, extra: [inRack] }));
      expect(await one(device("gpuType", "ne", "A100"))).toEqual(sorted(dedicatedH100, plain));
      expect(await one(device("gpuType", "notin", ["A100", "H100"]))).toEqual(sorted(plain));
      expect(await one(device("gpuType", "in", ["A100", "H100"]))).toEqual(
        sorted(bigA100, smallA100, dedicatedH100),
      );
      expect(await one({ type: "nodeLabel", key: "zone", operator: "notexists" })).toEqual(sorted(plain));
      expect(await one({ type: "nodeLabel", key: "zone", operator: "ne", value: "a" })).toEqual(
        sorted(dedicatedH100, plain),
      );
      expect(await one({ type: "taint", key: "dedicated", operator: "notexists" })).toEqual(
        sorted(bigA100, smallA100, plain),
      );
      expect(await one(device("gpuCount", "lt", 4))).toEqual(sorted(smallA100, plain));
    });

    it("matches a stored template by templateId exactly as the same template inline", async () => {
      const { rack, inRack } = newRack();
      const a = await seed(rack, { cpuCores: 64, tags: ["burn-in", "gpu"] });
      await seed(rack, { cpuCores: 16, tags: ["gpu"] });
      const c = await seed(rack, { cpuCores: 8, tags: ["burn-in"] });
      const body = {
        logic: "and",
        groups: [any(device("cpuCores", "gt", 32), device("tags", "contains", "burn-in"))],
      };
      const created = await api.json("POST", "/v1/query-templates", {
        token: operator,
        body: { name: `dq-${randomUUID().slice(0, 8)}`, ...body },
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const byId = await query({ templateId: created.body.id, extra: [inRack] });
      const inline = await query({ template: body, extra: [inRack] });
      expect(idsOf(byId)).toEqual(sorted(a, c));
      expect(byId.body).toEqual(inline.body);
    });

    it("ANDs every extra group with the template", async () => {
      const { rack, inRack } = newRack();
      const big = await seed(rack, { gpuType: "A100", gpuCount: 8 });
      const burnIn = await seed(rack, { gpuType: "A100", gpuCount: 2, tags: ["burn-in"] });
      await seed(rack, { gpuType: "A100", gpuCount: 1 });
      await seed(rack, { gpuType: "T4", gpuCount: 8 });
      const template = { logic: "and", groups: [all(device("gpuType", "eq", "A100"))] };
      const either = any(device("gpuCount", "gte", 4), device("tags", "contains", "burn-in"));
      expect(idsOf(await query({ template, extra: [inRack, either] }))).toEqual(sorted(big, burnIn));
      const notBig = all(device("hostname", "ne", big.hostname));
      expect(idsOf(await query({ template, extra: [inRack, either, notBig] }))).toEqual(sorted(burnIn));
      // an "or" template is still ANDed with the extras as a whole
      const orTemplate = {
        logic: "or",
        groups: [all(device("gpuType", "eq", "T4")), all(device("gpuCount", "gte", 8))],
      };
      expect(
        idsOf(await query({ template: orTemplate, extra: [inRack, all(device("gpuType", "eq", "A100"))] })),
      ).toEqual(sorted(big));
    });

    it("narrows by clusterId and poolId given by name, and by unassigned", async () => {
      const { rack, inRack } = newRack();
      const db = api.database.db;
      const cluster = await seedCluster(db);
      const pool = await seedPool(db, cluster.id);
      const inPool = await seed(rack, { clusterId: cluster.id, poolId: pool.id, status: "ready" });
      const inCluster = await seed(rack, { clusterId: cluster.id });
      const free = await seed(rack, {});
      const template = { logic: "and", groups: [inRack] };
      expect(idsOf(await query({ template }))).toEqual(sorted(inPool, inCluster, free));
      expect(idsOf(await query({ template, clusterId: cluster.name }))).toEqual(sorted(inPool, inCluster));
      expect(idsOf(await query({ template, clusterId: cluster.id }))).toEqual(sorted(inPool, inCluster));
      expect(idsOf(await query({ template, poolId: `${cluster.name}/${pool.name}` }))).toEqual(
        sorted(inPool),
      );
      expect(idsOf(await query({ template, clusterId: cluster.name, poolId: pool.name }))).toEqual(
        sorted(inPool),
      );
      expect(idsOf(await query({ template, unassigned: true }))).toEqual(sorted(free));
      expect(idsOf(await query({ template, unassigned: false }))).toEqual(sorted(inPool, inCluster));
      const unknown = await query({ template, clusterId: `no-such-${randomUUID().slice(0, 8)}` });
      expect(unknown.status).toBe(404);
      expect(unknown.body.error?.code).toBe("not_found");
    });

    it("pages oldest first with a cursor; total counts every match on every page", async () => {
      const { rack, inRack } = newRack();
      const machines = await seedMachines(api.database.db, 5, { rack });
      await seedMachines(api.database.db, 2, { rack, gpuCount: 1 });
      const template = { logic: "and", groups: [all(device("gpuCount", "eq", 0))] };
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res: { status: number; body: Result } = await query({
          template,
          extra: [inRack],
          limit: 2,
          ...(cursor ? { cursor } : {}),
        });
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        expect(res.body.total).toBe(5);
        expect(res.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...res.body.items.map((m) => m.id));
        cursor = res.body.nextCursor;
        pages++;
      } while (cursor && pages < 10);
      expect(pages).toBe(3);
      // seeded in one statement, they share created_at: the order is then by id
      expect(seen).toEqual(machines.map((m) => m.id).sort());
      const bad = await query({ template, extra: [inRack], cursor: "not-a-cursor" });
      expect(bad.status).toBe(400);
      for (const limit of [0, 501, 2.5]) expect((await query({ template, limit })).status).toBe(400);
    });

    it("shows a cluster-scoped viewer only its cluster's machines, never the free inventory", async () => {
      const { rack, inRack } = newRack();
      const db = api.database.db;
      const mine = await seedCluster(db);
      const other = await seedCluster(db);
      const minePool = await seedPool(db, mine.id);
      const otherPool = await seedPool(db, other.id);
      const own = await seed(rack, { clusterId: mine.id, poolId: minePool.id });
      await seed(rack, { clusterId: other.id, poolId: otherPool.id });
      await seed(rack, {});
      const scoped = await api.tokenFor("viewer", mine.id);
      const template = { logic: "and", groups: [inRack] };

      const res = await query({ template }, scoped);
      expect(idsOf(res)).toEqual(sorted(own));
      expect(res.body.total).toBe(1);
      expect(idsOf(await query({ template, clusterId: mine.name }, scoped))).toEqual(sorted(own));
      const free = await query({ template, unassigned: true }, scoped);
      expect(free.status).toBe(200);
      expect(free.body).toEqual({ items: [], nextCursor: null, total: 0 });
      // another cluster is not found by name (names resolve only inside the scope), nor by id
      // (as GET /v1/machines?clusterId= answers); another cluster's pool by id matches nothing
      for (const body of [
        { template, clusterId: other.name },
        { template, poolId: `${other.name}/${otherPool.name}` },
        { template, clusterId: other.id },
      ]) {
        const refused = await query(body, scoped);
        expect(refused.status, JSON.stringify(body)).toBe(404);
        expect(refused.body.error?.code).toBe("not_found");
      }
      expect((await query({ template, poolId: otherPool.id }, scoped)).body).toEqual({
        items: [],
        nextCursor: null,
        total: 0,
      });
      // a stored template is fleet-wide, its matches are not
      const created = await api.json("POST", "/v1/query-templates", {
        token: operator,
        body: { name: `scoped-${randomUUID().slice(0, 8)}`, ...template },
      });
      expect(idsOf(await query({ templateId: created.body.id }, scoped))).toEqual(sorted(own));
    });

    it("needs exactly one of template and templateId", async () => {
      const { inRack } = newRack();
      const template = { logic: "and", groups: [inRack] };
      const created = await api.json("POST", "/v1/query-templates", {
        token: operator,
        body: { name: `one-${randomUUID().slice(0, 8)}`, ...template },
      });
      for (const body of [{}, { extra: [inRack] }, { template, templateId: created.body.id }]) {
        const res = await query(body);
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(res.body.error?.code).toBe("validation_failed");
        expect(res.body.error?.message).toMatch(/template/);
      }
    });

    it("answers 404 for an unknown templateId", async () => {
      const res = await query({ templateId: randomUUID() });
      expect(res.status).toBe(404);
      expect(res.body.error?.code).toBe("not_found");
    });

    it("refuses an invalid template or extra group with a 400 naming its path", async () => {
      const { inRack } = newRack();
      const bad = (block: Block) => ({
        logic: "and",
        groups: [inRack, all(device("cpuCores", "gte", 1), block)],
      });
      const cases: [unknown, string][] = [
        [{ template: bad(device("cpuCores", "like", 1)) }, "template.groups[1].blocks[1].operator"],
        [{ template: bad(device("cpuCount", "gte", 1)) }, "groups[1].blocks[1].key"],
        [{ template: bad(device("cpuCores", "gte", "many")) }, "groups[1].blocks[1].value"],
        [
          {
            template: { logic: "and", groups: [inRack] },
            extra: [inRack, all(device("zone", "in", { a: 1 }))],
          },
          "extra[1].blocks[0].value",
        ],
        [
          {
            template: { logic: "and", groups: [inRack] },
            extra: [all({ type: "label", key: "zone", operator: "exists" })],
          },
          "extra[0].blocks[0].type",
        ],
      ];
      for (const [body, path] of cases) {
        const res = await query(body);
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(res.body.error?.code).toBe("validation_failed");
        expect(res.body.error?.message).toContain(path);
      }
    });

    it("is for any role, is not audited, and is refused without a token", async () => {
      const { rack, inRack } = newRack();
      const m = await seed(rack, {});
      const template = { logic: "and", groups: [inRack] };
      for (const token of [viewer, operator, api.admin]) {
        const res = await query({ template }, token);
        expect(idsOf(res)).toEqual(sorted(m));
        const requestId = res.res.headers.get("x-request-id")!;
        expect(
          await api.database.db.select().from(auditLogs).where(eq(auditLogs.requestId, requestId)),
        ).toEqual([]);
      }
      expect((await api.call("POST", "/v1/device-query", { body: { template } })).status).toBe(401);
      const cluster = await seedCluster(api.database.db);
      const agent = await api.agentCredentialFor(cluster.id);
      expect((await query({ template }, agent)).status).toBe(403);
    });
  });
});
