/**
 * /v1/matching-policies: create, list (filters, pagination), get, update
 * (version guard), delete; one policy per (pool type, action) (409); the
 * template must exist (400 naming templateId) and cannot be deleted while a
 * policy uses it (409); viewers read, unscoped operators write; every change
 * has its audit row. Pools carry the poolType policies match on (create,
 * update, list filter). On Postgres and on PGlite.
 */
import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLogs } from "../../../../../../drizzle/schema/index.ts";
import { startTestApi, TEST_API_DRIVERS, type TestApi } from "../../../../../support/api.ts";
import { seedCluster } from "../../../../../support/fixtures.ts";
import { requirePostgres } from "../../../../../support/postgres.ts";

const ok = await requirePostgres();

type Envelope = { error?: { code: string; message: string; details?: Record<string, unknown> } };
type Policy = Envelope & {
  id: string;
  poolType: string;
  action: "pool_entry" | "pool_exit";
  templateId: string;
  enabled: boolean;
  version: number;
};

describe.each(TEST_API_DRIVERS)("matching policies on %s", (driver) => {
  describe.skipIf(driver !== "pglite" && !ok)(driver, () => {
    let api: TestApi;
    let operator: string;
    let viewer: string;
    let templateId: string;
    beforeAll(async () => {
      api = await startTestApi({ driver });
      operator = await api.tokenFor("operator");
      viewer = await api.tokenFor("viewer");
      templateId = await newTemplate();
    });
    afterAll(() => api?.close());

    async function newTemplate(): Promise<string> {
      const res = await api.json("POST", "/v1/query-templates", {
        token: operator,
        body: { name: `tpl-${randomUUID().slice(0, 8)}`, logic: "and", groups: [] },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body.id;
    }
    const poolType = () => `type-${randomUUID().slice(0, 8)}`;
    const create = (body: unknown, token = operator) =>
      api.json<Policy>("POST", "/v1/matching-policies", { token, body });
    const patch = (id: string, body: unknown, token = operator) =>
      api.json<Policy>("PATCH", `/v1/matching-policies/${id}`, { token, body });
    const get = (id: string, token = viewer) =>
      api.json<Policy>("GET", `/v1/matching-policies/${id}`, { token });
    const remove = (id: string, token = operator) =>
      api.json<Policy>("DELETE", `/v1/matching-policies/${id}`, { token });
    const listAll = async (query = "") => {
      const items: Policy[] = [];
      let cursor: string | null = null;
      do {
        const res: { status: number; body: { items: Policy[]; nextCursor: string | null } } = await api.json(
          "GET",
          `/v1/matching-policies?limit=2${query}${cursor ? `&cursor=${cursor}` : ""}`,
          { token: viewer },
        );
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        items.push(...res.body.items);
        cursor = res.body.nextCursor;
      } while (cursor);
      return items;
    };

    it("creates a policy a viewer reads back, enabled by default", async () => {
      const type = poolType();
      const created = await create({ poolType: type, action: "pool_entry", templateId });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      expect(created.body).toMatchObject({ poolType: type, action: "pool_entry", templateId, enabled: true });
      expect((await get(created.body.id)).body).toEqual(created.body);
    });

    it("lists with filters and pagination", async () => {
      const type = poolType();
      const entry = (await create({ poolType: type, action: "pool_entry", templateId })).body;
      const exit = (await create({ poolType: type, action: "pool_exit", templateId, enabled: false })).body;
      const ofType = await listAll(`&poolType=${type}`);
      expect(ofType.map((p) => p.id)).toEqual([entry.id, exit.id]);
      expect((await listAll(`&poolType=${type}&action=pool_exit`)).map((p) => p.id)).toEqual([exit.id]);
      expect((await listAll(`&poolType=${type}&enabled=true`)).map((p) => p.id)).toEqual([entry.id]);
      const all = await listAll();
      expect(new Set(all.map((p) => p.id)).size).toBe(all.length);
      expect(all.map((p) => p.id)).toEqual(expect.arrayContaining([entry.id, exit.id]));
    });

    it("allows one policy per pool type and action (409 on create and on update)", async () => {
      const type = poolType();
      const first = (await create({ poolType: type, action: "pool_entry", templateId })).body;
      const dup = await create({ poolType: type, action: "pool_entry", templateId });
      expect(dup.status).toBe(409);
      expect(dup.body.error?.code).toBe("conflict");
      expect(dup.body.error?.message).toContain(type);
      const exit = (await create({ poolType: type, action: "pool_exit", templateId })).body;
      const clash = await patch(exit.id, { action: "pool_entry" });
      expect(clash.status).toBe(409);
      expect(clash.body.error?.code).toBe("conflict");
      expect((await get(first.id)).body.action).toBe("pool_entry");
      expect((await get(exit.id)).body.action).toBe("pool_exit");
    });

    it("updates any field, bumps the version, and refuses a stale expectedVersion", async () => {
      const p = (await create({ poolType: poolType(), action: "pool_exit", templateId })).body;
      const other = await newTemplate();
      const type = poolType();
      const changed = await patch(p.id, {
        poolType: type,
        templateId: other,
        enabled: false,
        expectedVersion: p.version,
      });
      expect(changed.status, JSON.stringify(changed.body)).toBe(200);
      expect(changed.body).toMatchObject({
        poolType: type,
        templateId: other,
        enabled: false,
        action: "pool_exit",
      });
      expect(changed.body.version).toBe(p.version + 1);
      const stale = await patch(p.id, { enabled: true, expectedVersion: p.version });
      expect(stale.status).toBe(409);
      expect(stale.body.error?.code).toBe("stale_version");
      expect((await get(p.id)).body).toEqual(changed.body);
      expect((await patch(p.id, {})).status).toBe(400);
    });

    it("refuses a template that does not exist (400 naming templateId), and bad fields by path", async () => {
      const missing = randomUUID();
      const res = await create({ poolType: poolType(), action: "pool_entry", templateId: missing });
      expect(res.status).toBe(400);
      expect(res.body.error?.code).toBe("validation_failed");
      expect(res.body.error?.message).toMatch(/^templateId: /);
      expect(res.body.error?.message).toContain(missing);
      const p = (await create({ poolType: poolType(), action: "pool_entry", templateId })).body;
      const onUpdate = await patch(p.id, { templateId: missing });
      expect(onUpdate.status).toBe(400);
      expect(onUpdate.body.error?.message).toMatch(/^templateId: /);
      for (const [body, path] of [
        [{ poolType: "GPU", action: "pool_entry", templateId }, "poolType"],
        [{ poolType: "", action: "pool_entry", templateId }, "poolType"],
        [{ poolType: "gpu", action: "grow", templateId }, "action"],
        [{ poolType: "gpu", action: "pool_entry", templateId: "x" }, "templateId"],
      ] as const) {
        const bad = await create(body);
        expect(bad.status, JSON.stringify(body)).toBe(400);
        expect(bad.body.error?.message).toContain(`${path}: `);
      }
    });

    it("keeps a template a policy uses from being deleted (409) until the policy goes", async () => {
      const used = await newTemplate();
      const p = (await create({ poolType: poolType(), action: "pool_entry", templateId: used })).body;
      const refused = await api.json("DELETE", `/v1/query-templates/${used}`, { token: operator });
      expect(refused.status, JSON.stringify(refused.body)).toBe(409);
      expect(refused.body.error.code).toBe("conflict");
      expect((await remove(p.id)).status).toBe(200);
      expect((await get(p.id)).status).toBe(404);
      expect((await remove(p.id)).status).toBe(404);
      expect((await api.json("DELETE", `/v1/query-templates/${used}`, { token: operator })).status).toBe(200);
    });

    it("answers 404 for an unknown policy and 400 for an id that is not a UUID", async () => {
      expect((await get(randomUUID())).status).toBe(404);
      expect((await patch(randomUUID(), { enabled: false })).status).toBe(404);
      const bad = await get("nope");
      expect(bad.status).toBe(400);
      expect(bad.body.error?.message).toContain("policyId");
    });

    it("lets viewers (scoped or not) read and only unscoped operators write", async () => {
      const p = (await create({ poolType: poolType(), action: "pool_entry", templateId })).body;
      const cluster = await seedCluster(api.database.db);
      const scopedOperator = await api.tokenFor("operator", cluster.id);
      const scopedViewer = await api.tokenFor("viewer", cluster.id);
      for (const token of [viewer, scopedViewer, scopedOperator]) {
        expect((await get(p.id, token)).status).toBe(200);
        expect((await api.call("GET", "/v1/matching-policies", { token })).status).toBe(200);
      }
      for (const token of [viewer, scopedOperator]) {
        for (const res of [
          await create({ poolType: poolType(), action: "pool_entry", templateId }, token),
          await patch(p.id, { enabled: false }, token),
          await remove(p.id, token),
        ]) {
          expect(res.status).toBe(403);
          expect(res.body.error?.code).toBe("forbidden");
        }
      }
      expect((await get(p.id)).body).toEqual(p);
      expect((await api.call("GET", "/v1/matching-policies")).status).toBe(401);
    });

    it("records the audit rows of create, update and delete; a refused update as a failure", async () => {
      const requestIdOf = (res: { res: Response }) => res.res.headers.get("x-request-id")!;
      const rowsOf = (requestId: string) =>
        api.database.db.select().from(auditLogs).where(eq(auditLogs.requestId, requestId));
      const created = await create({ poolType: poolType(), action: "pool_entry", templateId });
      const updated = await patch(created.body.id, { enabled: false });
      const stale = await patch(created.body.id, { enabled: true, expectedVersion: 0 });
      const deleted = await remove(created.body.id);
      const expected = [
        [created, "matching_policy.create", "success", 201],
        [updated, "matching_policy.update", "success", 200],
        [stale, "matching_policy.update", "failure", 409],
        [deleted, "matching_policy.delete", "success", 200],
      ] as const;
      for (const [res, action, result, statusCode] of expected) {
        const rows = await rowsOf(requestIdOf(res));
        expect(rows, action).toHaveLength(1);
        expect(rows[0]).toMatchObject({ action, result, statusCode, resourceType: "matching_policy" });
        if (result === "success") expect(rows[0]!.resourceId).toBe(created.body.id);
      }
    });

    describe("a pool's type", () => {
      it("is set on create and update, shown, filtered on, and cleared with null", async () => {
        const cluster = await seedCluster(api.database.db);
        const type = poolType();
        const pools = `/v1/clusters/${cluster.id}/pools`;
        const typed = await api.json("POST", pools, {
          token: operator,
          body: { name: "typed", poolType: type },
        });
        expect(typed.status, JSON.stringify(typed.body)).toBe(201);
        expect(typed.body.poolType).toBe(type);
        const plain = await api.json("POST", pools, { token: operator, body: { name: "plain" } });
        expect(plain.body.poolType).toBeNull();
        const listed = await api.json("GET", `${pools}?poolType=${type}`, { token: viewer });
        expect(listed.body.items.map((p: { id: string }) => p.id)).toEqual([typed.body.id]);
        const retyped = await api.json("PATCH", `${pools}/plain`, {
          token: operator,
          body: { poolType: type },
        });
        expect(retyped.status, JSON.stringify(retyped.body)).toBe(200);
        expect(retyped.body.poolType).toBe(type);
        const cleared = await api.json("PATCH", `${pools}/typed`, {
          token: operator,
          body: { poolType: null },
        });
        expect(cleared.body.poolType).toBeNull();
        const listedAgain = await api.json("GET", `${pools}?poolType=${type}`, { token: viewer });
        expect(listedAgain.body.items.map((p: { id: string }) => p.id)).toEqual([plain.body.id]);
      });

      it("must be a lowercase DNS-label-like name", async () => {
        const cluster = await seedCluster(api.database.db);
        const pools = `/v1/clusters/${cluster.id}/pools`;
        for (const poolType of ["GPU", "-gpu", "gpu_a100", "", "x".repeat(64)]) {
          const res = await api.json("POST", pools, { token: operator, body: { name: "p", poolType } });
          expect(res.status, poolType).toBe(400);
          expect(res.body.error.message).toContain("poolType");
        }
        const badFilter = await api.json("GET", `${pools}?poolType=Not_A_Type`, { token: viewer });
        expect(badFilter.status).toBe(400);
      });
    });
  });
});
