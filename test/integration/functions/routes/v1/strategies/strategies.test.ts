/**
 * /v1/strategies: create, list, get, update (merged and checked whole,
 * version guard), delete, enable/disable (guarded transitions) and history
 * (newest first, filters, pagination). Every rule is a 400 naming its field;
 * a taken name and a stale version are 409s; templates and scope must exist.
 * Viewers read, unscoped operators write; a cluster-scoped token sees only
 * the strategies that reach its cluster, only its own part of their scope,
 * and only its cluster's history rows. Every change has its audit row.
 * On Postgres and on PGlite.
 */
import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  auditLogs,
  type Cluster,
  type EvaluationResult,
  type NodePool,
  strategyEvaluations,
} from "../../../../../../drizzle/schema/index.ts";
import { startTestApi, TEST_API_DRIVERS, type TestApi } from "../../../../../support/api.ts";
import { seedCluster, seedPool } from "../../../../../support/fixtures.ts";
import { requirePostgres } from "../../../../../support/postgres.ts";

const ok = await requirePostgres();

type Envelope = { error?: { code: string; message: string; details?: Record<string, unknown> } };
type Strategy = Envelope & {
  id: string;
  name: string;
  action: string;
  cpu: { threshold: number; type: string; target: number } | null;
  memory: { threshold: number; type: string; target: number } | null;
  scope: { clusterIds: string[]; poolIds: string[] };
  status: "enabled" | "disabled";
  version: number;
  maxDevices: number;
  [key: string]: unknown;
};
type Evaluation = { id: string; clusterId: string; poolId: string; result: string; runKey: string };

describe.each(TEST_API_DRIVERS)("strategies on %s", (driver) => {
  describe.skipIf(driver !== "pglite" && !ok)(driver, () => {
    let api: TestApi;
    let operator: string;
    let viewer: string;
    let clusterA: Cluster;
    let clusterB: Cluster;
    let poolA: NodePool;
    let poolB: NodePool;
    let templateId: string;
    beforeAll(async () => {
      api = await startTestApi({ driver });
      operator = await api.tokenFor("operator");
      viewer = await api.tokenFor("viewer");
      clusterA = await seedCluster(api.database.db);
      clusterB = await seedCluster(api.database.db);
      poolA = await seedPool(api.database.db, clusterA.id);
      poolB = await seedPool(api.database.db, clusterB.id);
      const tpl = await api.json("POST", "/v1/query-templates", {
        token: operator,
        body: { name: `tpl-${randomUUID().slice(0, 8)}`, logic: "and", groups: [] },
      });
      templateId = tpl.body.id;
    });
    afterAll(() => api?.close());

    const name = () => `strategy-${randomUUID().slice(0, 8)}`;
    const body = (overrides: Record<string, unknown> = {}) => ({
      name: name(),
      description: "hot GPUs",
      action: "pool_entry",
      cpu: { threshold: 80, type: "usage", target: 60 },
      durationDays: 7,
      maxDevices: 4,
      ...overrides,
    });
    const create = (input: unknown, token = operator) =>
      api.json<Strategy>("POST", "/v1/strategies", { token, body: input });
    const patch = (id: string, input: unknown, token = operator) =>
      api.json<Strategy>("PATCH", `/v1/strategies/${id}`, { token, body: input });
    const get = (id: string, token = viewer) => api.json<Strategy>("GET", `/v1/strategies/${id}`, { token });
    const remove = (id: string, token = operator) =>
      api.json<Strategy>("DELETE", `/v1/strategies/${id}`, { token });
    const toggle = (id: string, verb: "enable" | "disable", input?: unknown, token = operator) =>
      api.json<Strategy>("POST", `/v1/strategies/${id}/${verb}`, { token, body: input });
    async function listAll<T>(path: string, token = viewer): Promise<T[]> {
      const items: T[] = [];
      let cursor: string | null = null;
      const sep = path.includes("?") ? "&" : "?";
      do {
        const res: { status: number; body: { items: T[]; nextCursor: string | null } } = await api.json(
          "GET",
          `${path}${sep}limit=2${cursor ? `&cursor=${cursor}` : ""}`,
          { token },
        );
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        items.push(...res.body.items);
        cursor = res.body.nextCursor;
      } while (cursor);
      return items;
    }

    it("creates a strategy with its defaults, and a viewer reads it back", async () => {
      const input = body({
        scope: { clusterIds: [clusterA.id], poolIds: [poolA.id] },
        entryTemplateId: templateId,
      });
      const created = await create(input);
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      expect(created.body).toMatchObject({
        name: input.name,
        action: "pool_entry",
        cpu: { threshold: 80, type: "usage", target: 60 },
        memory: null,
        conditionLogic: "or",
        cooldownDays: 0,
        scope: { clusterIds: [clusterA.id], poolIds: [poolA.id] },
        entryTemplateId: templateId,
        exitTemplateId: null,
        extraConditions: [],
        status: "enabled",
        version: 0,
      });
      expect((await get(created.body.id)).body).toEqual(created.body);
    });

    it("lists with filters and pagination", async () => {
      const marker = randomUUID().slice(0, 8);
      const a = (await create(body({ name: `list-${marker}-a` }))).body;
      const b = (await create(body({ name: `list-${marker}-b`, status: "disabled" }))).body;
      const c = (
        await create(
          body({
            name: `list-${marker}-c`,
            action: "pool_exit",
            cpu: { threshold: 20, type: "allocated", target: 40 },
          }),
        )
      ).body;
      expect((await listAll<Strategy>(`/v1/strategies?q=${marker}`)).map((s) => s.id)).toEqual([
        a.id,
        b.id,
        c.id,
      ]);
      expect(
        (await listAll<Strategy>(`/v1/strategies?q=${marker}&status=disabled`)).map((s) => s.id),
      ).toEqual([b.id]);
      expect(
        (await listAll<Strategy>(`/v1/strategies?q=${marker}&action=pool_exit`)).map((s) => s.id),
      ).toEqual([c.id]);
    });

    describe("a strategy that breaks a rule is a 400 naming the field", () => {
      it.each([
        ["entry target not below threshold", { cpu: { threshold: 60, target: 60 } }, "cpu.target"],
        [
          "exit target not above threshold",
          { action: "pool_exit", cpu: { threshold: 30, target: 20 } },
          "cpu.target",
        ],
        ["memory target the wrong side", { memory: { threshold: 70, target: 90 } }, "memory.target"],
        ["a threshold over 100", { cpu: { threshold: 101, target: 50 } }, "cpu.threshold"],
        ["a negative target", { cpu: { threshold: 50, target: -5 } }, "cpu.target"],
        ["no metric", { cpu: null, memory: null }, "cpu"],
        ["an unknown metric type", { cpu: { threshold: 80, type: "requested", target: 50 } }, "cpu.type"],
        ["zero duration", { durationDays: 0 }, "durationDays"],
        ["zero devices", { maxDevices: 0 }, "maxDevices"],
        ["a logic that is none", { conditionLogic: "xor" }, "conditionLogic"],
        ["a malformed scope id", { scope: { clusterIds: ["x"] } }, "scope.clusterIds[0]"],
        [
          "an unknown operator in the extra conditions",
          {
            extraConditions: [
              {
                logic: "and",
                blocks: [
                  { type: "device", key: "cpuCores", operator: "gte", value: 8 },
                  { type: "device", key: "cpuCores", operator: "like", value: 8 },
                ],
              },
            ],
          },
          "extraConditions[0].blocks[1].operator",
        ],
        [
          "a field that is no device field",
          {
            extraConditions: [
              { logic: "or", blocks: [{ type: "device", key: "cpuCount", operator: "eq", value: 8 }] },
            ],
          },
          "extraConditions[0].blocks[0].key",
        ],
        ["status in the update body", { status: "disabled" }, ""],
      ])("%s", async (what, overrides, path) => {
        if (what === "status in the update body") {
          const s = (await create(body())).body;
          const res = await patch(s.id, overrides);
          expect(res.status).toBe(400);
          expect(res.body.error?.message).toContain("status");
          return;
        }
        const res = await create(body(overrides));
        expect(res.status, JSON.stringify(res.body)).toBe(400);
        expect(res.body.error?.code).toBe("validation_failed");
        expect(res.body.error?.message).toContain(`${path}: `);
        expect(res.body.error?.message).not.toMatch(/blocks\.\d|groups\.\d|Ids\.\d/);
      });

      it("names the scope cluster or pool that does not exist, or lies outside the listed clusters", async () => {
        const missing = randomUUID();
        const cases = [
          [{ clusterIds: [clusterA.id, missing] }, "scope.clusterIds[1]"],
          [{ poolIds: [poolA.id, missing] }, "scope.poolIds[1]"],
          [{ clusterIds: [clusterA.id], poolIds: [poolB.id] }, "scope.poolIds[0]"],
        ] as const;
        for (const [scope, path] of cases) {
          const res = await create(body({ scope }));
          expect(res.status, JSON.stringify(res.body)).toBe(400);
          expect(res.body.error?.message).toMatch(new RegExp(`^${path.replace(/[[\]]/g, "\\$&")}: `));
        }
      });

      it("names a template that does not exist", async () => {
        const missing = randomUUID();
        const entry = await create(body({ entryTemplateId: missing }));
        expect(entry.status).toBe(400);
        expect(entry.body.error?.message).toMatch(/^entryTemplateId: /);
        const exit = await create(body({ exitTemplateId: missing }));
        expect(exit.body.error?.message).toMatch(/^exitTemplateId: /);
      });

      it("checks a change merged into the stored strategy", async () => {
        const s = (await create(body())).body;
        const flipped = await patch(s.id, { action: "pool_exit" });
        expect(flipped.status).toBe(400);
        expect(flipped.body.error?.message).toMatch(/^cpu\.target: /);
        const both = await patch(s.id, { action: "pool_exit", cpu: { threshold: 20, target: 50 } });
        expect(both.status, JSON.stringify(both.body)).toBe(200);
        expect(both.body).toMatchObject({
          action: "pool_exit",
          cpu: { threshold: 20, type: "usage", target: 50 },
        });
        const badScope = await patch(s.id, { scope: { clusterIds: [randomUUID()] } });
        expect(badScope.body.error?.message).toMatch(/^scope\.clusterIds\[0\]: /);
        expect((await patch(s.id, {})).status).toBe(400);
      });
    });

    it("updates, bumps the version and refuses a stale expectedVersion; a taken name is a 409", async () => {
      const s = (await create(body())).body;
      const changed = await patch(s.id, {
        maxDevices: 9,
        memory: { threshold: 90, type: "allocated", target: 70 },
        conditionLogic: "and",
        expectedVersion: s.version,
      });
      expect(changed.status, JSON.stringify(changed.body)).toBe(200);
      expect(changed.body).toMatchObject({
        maxDevices: 9,
        conditionLogic: "and",
        cpu: s.cpu,
        version: s.version + 1,
      });
      const stale = await patch(s.id, { maxDevices: 1, expectedVersion: s.version });
      expect(stale.status).toBe(409);
      expect(stale.body.error?.code).toBe("stale_version");
      expect((await get(s.id)).body).toEqual(changed.body);
      const other = (await create(body())).body;
      const dup = await create(body({ name: s.name }));
      expect(dup.status).toBe(409);
      expect(dup.body.error?.code).toBe("conflict");
      const rename = await patch(other.id, { name: s.name });
      expect(rename.status).toBe(409);
      expect(rename.body.error?.code).toBe("conflict");
    });

    it("enables and disables as guarded transitions", async () => {
      const s = (await create(body())).body;
      const again = await toggle(s.id, "enable");
      expect(again.status).toBe(409);
      expect(again.body.error?.code).toBe("illegal_transition");
      const disabled = await toggle(s.id, "disable");
      expect(disabled.status, JSON.stringify(disabled.body)).toBe(200);
      expect(disabled.body).toMatchObject({ status: "disabled", version: s.version + 1 });
      const stale = await toggle(s.id, "enable", { expectedVersion: s.version });
      expect(stale.status).toBe(409);
      expect(stale.body.error?.code).toBe("stale_version");
      const enabled = await toggle(s.id, "enable", { expectedVersion: disabled.body.version });
      expect(enabled.status).toBe(200);
      expect(enabled.body.status).toBe("enabled");
      expect((await toggle(randomUUID(), "disable")).status).toBe(404);
    });

    it("deletes a strategy: gone from get, and a second delete is 404", async () => {
      const s = (await create(body({ entryTemplateId: templateId }))).body;
      const refused = await api.json("DELETE", `/v1/query-templates/${templateId}`, { token: operator });
      expect(refused.status).toBe(409);
      expect((await remove(s.id)).status).toBe(200);
      expect((await get(s.id)).status).toBe(404);
      expect((await remove(s.id)).status).toBe(404);
      expect((await api.json("GET", "/v1/strategies/nope", { token: viewer })).status).toBe(400);
    });

    describe("history", () => {
      async function evaluate(strategyId: string, pool: NodePool, runKey: string, result: EvaluationResult) {
        await api.database.db.insert(strategyEvaluations).values({
          strategyId,
          clusterId: pool.clusterId,
          poolId: pool.id,
          runKey,
          result,
          reason: `${result} on ${runKey}`,
          observed: { days: 3 },
          createdAt: new Date(`${runKey}T03:00:00Z`),
        });
      }

      it("lists evaluations newest first, with filters and pagination", async () => {
        const s = (await create(body())).body;
        await evaluate(s.id, poolA, "2030-01-01", "below_threshold");
        await evaluate(s.id, poolB, "2030-01-01", "no_stock");
        await evaluate(s.id, poolA, "2030-01-02", "order_created");
        await evaluate(s.id, poolB, "2030-01-03", "cooldown");
        const path = `/v1/strategies/${s.id}/history`;
        const all = await listAll<Evaluation>(path);
        expect(all.map((e) => [e.runKey, e.poolId])).toEqual([
          ["2030-01-03", poolB.id],
          ["2030-01-02", poolA.id],
          ["2030-01-01", expect.any(String)],
          ["2030-01-01", expect.any(String)],
        ]);
        expect(all[1]).toMatchObject({ result: "order_created", observed: { days: 3 }, orderId: null });
        expect(
          (await listAll<Evaluation>(`${path}?clusterId=${clusterA.name}`)).map((e) => e.runKey),
        ).toEqual(["2030-01-02", "2030-01-01"]);
        expect((await listAll<Evaluation>(`${path}?poolId=${poolB.id}`)).map((e) => e.result)).toEqual([
          "cooldown",
          "no_stock",
        ]);
        expect((await listAll<Evaluation>(`${path}?result=no_stock`)).map((e) => e.poolId)).toEqual([
          poolB.id,
        ]);
        expect(
          (await api.json("GET", `/v1/strategies/${randomUUID()}/history`, { token: viewer })).status,
        ).toBe(404);
        expect((await api.json("GET", `${path}?result=maybe`, { token: viewer })).status).toBe(400);
      });

      it("shows a cluster-scoped token only its cluster's rows", async () => {
        const s = (await create(body())).body;
        await evaluate(s.id, poolA, "2030-02-01", "below_threshold");
        await evaluate(s.id, poolB, "2030-02-01", "below_threshold");
        const scoped = await api.tokenFor("viewer", clusterA.id);
        const rows = await listAll<Evaluation>(`/v1/strategies/${s.id}/history`, scoped);
        expect(rows.map((e) => e.clusterId)).toEqual([clusterA.id]);
        const other = await api.json("GET", `/v1/strategies/${s.id}/history?clusterId=${clusterB.id}`, {
          token: scoped,
        });
        expect(other.status).toBe(404);
      });
    });

    describe("a cluster-scoped token", () => {
      let scopedViewer: string;
      let fleetWide: Strategy;
      let onA: Strategy;
      let onB: Strategy;
      let poolOfA: Strategy;
      let poolOfB: Strategy;
      beforeAll(async () => {
        scopedViewer = await api.tokenFor("viewer", clusterA.id);
        const marker = randomUUID().slice(0, 8);
        const make = async (suffix: string, scope: unknown) =>
          (await create(body({ name: `scoped-${marker}-${suffix}`, scope }))).body;
        fleetWide = await make("all", { clusterIds: [], poolIds: [] });
        onA = await make("a", { clusterIds: [clusterA.id, clusterB.id], poolIds: [poolA.id, poolB.id] });
        onB = await make("b", { clusterIds: [clusterB.id] });
        poolOfA = await make("pool-a", { poolIds: [poolA.id, poolB.id] });
        poolOfB = await make("pool-b", { poolIds: [poolB.id] });
        expect([fleetWide, onA, onB, poolOfA, poolOfB].map((s) => s.id).every(Boolean)).toBe(true);
      });

      it("sees only the strategies that reach its cluster, and only its part of their scope", async () => {
        const marker = fleetWide.name.split("-")[1];
        const seen = await listAll<Strategy>(`/v1/strategies?q=scoped-${marker}`, scopedViewer);
        expect(seen.map((s) => s.id)).toEqual([fleetWide.id, onA.id, poolOfA.id]);
        expect(seen[1]!.scope).toEqual({ clusterIds: [clusterA.id], poolIds: [poolA.id] });
        expect(seen[2]!.scope).toEqual({ clusterIds: [], poolIds: [poolA.id] });
        expect((await get(onA.id, scopedViewer)).body.scope).toEqual({
          clusterIds: [clusterA.id],
          poolIds: [poolA.id],
        });
        expect((await get(onB.id, scopedViewer)).status).toBe(404);
        expect((await get(poolOfB.id, scopedViewer)).status).toBe(404);
        expect(
          (await api.json("GET", `/v1/strategies/${onB.id}/history`, { token: scopedViewer })).status,
        ).toBe(404);
        // unscoped readers see every scope whole
        expect((await get(onA.id)).body.scope).toEqual(onA.scope);
      });

      it("cannot write, whatever its role; a viewer cannot either", async () => {
        const scopedOperator = await api.tokenFor("operator", clusterA.id);
        for (const token of [viewer, scopedOperator]) {
          for (const res of [
            await create(body(), token),
            await patch(fleetWide.id, { maxDevices: 2 }, token),
            await toggle(fleetWide.id, "disable", undefined, token),
            await remove(fleetWide.id, token),
          ]) {
            expect(res.status).toBe(403);
            expect(res.body.error?.code).toBe("forbidden");
          }
        }
        expect((await get(fleetWide.id)).body).toEqual(fleetWide);
      });
    });

    it("records the audit rows of every change; a refused one as a failure", async () => {
      const requestIdOf = (res: { res: Response }) => res.res.headers.get("x-request-id")!;
      const rowsOf = (requestId: string) =>
        api.database.db.select().from(auditLogs).where(eq(auditLogs.requestId, requestId));
      const created = await create(body());
      const id = created.body.id;
      const updated = await patch(id, { maxDevices: 2 });
      const disabled = await toggle(id, "disable");
      const refused = await toggle(id, "disable");
      const enabled = await toggle(id, "enable");
      const deleted = await remove(id);
      const expected = [
        [created, "strategy.create", "success", 201],
        [updated, "strategy.update", "success", 200],
        [disabled, "strategy.disable", "success", 200],
        [refused, "strategy.disable", "failure", 409],
        [enabled, "strategy.enable", "success", 200],
        [deleted, "strategy.delete", "success", 200],
      ] as const;
      for (const [res, action, result, statusCode] of expected) {
        const rows = await rowsOf(requestIdOf(res));
        expect(rows, action).toHaveLength(1);
        expect(rows[0]).toMatchObject({ action, result, statusCode, resourceType: "strategy" });
        if (result === "success") expect(rows[0]!.resourceId).toBe(id);
      }
    });
  });
});
