/**
 * /v1/query-templates: create, list (pagination, q), get, update (version
 * guard), delete; viewers read, operators write, a cluster-scoped operator
 * is refused every write; a name is unique (409); an invalid template is a
 * 400 validation_failed naming the offending path in bracket form
 * (`groups[1].blocks[0].operator`), whether the shape (zod) or the meaning
 * (the service's checkTemplate) is wrong; every change has its audit row.
 * On Postgres and on PGlite.
 */
import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLogs } from "../../../../../../drizzle/schema/index.ts";
import { startTestApi, TEST_API_DRIVERS, type TestApi } from "../../../../../support/api.ts";
import { seedCluster } from "../../../../../support/fixtures.ts";
import { requirePostgres } from "../../../../../support/postgres.ts";

const ok = await requirePostgres();

type Template = {
  id: string;
  name: string;
  description: string | null;
  logic: "and" | "or";
  groups: { logic: "and" | "or"; blocks: Record<string, unknown>[] }[];
  version: number;
  createdAt: string;
  updatedAt: string;
  /** on a refusal: the error envelope */
  error?: { code: string; message: string; requestId: string; details?: { issues?: { path: string }[] } };
};

const GPU_GROUP = {
  logic: "and",
  blocks: [
    { type: "device", key: "gpuType", operator: "eq", value: "A100" },
    { type: "device", key: "gpuCount", operator: "gte", value: 4 },
  ],
};
const ZONE_GROUP = {
  logic: "or",
  blocks: [
    { type: "nodeLabel", key: "topology.kubernetes.io/zone", operator: "in", value: ["a", "b"] },
    { type: "taint", key: "dedicated", operator: "notexists" },
  ],
};

describe.each(TEST_API_DRIVERS)("query templates on %s", (driver) => {
  describe.skipIf(driver !== "pglite" && !ok)(driver, () => {
    let api: TestApi;
    let operator: string;
    let viewer: string;
    beforeAll(async () => {
      api = await startTestApi({ driver });
      operator = await api.tokenFor("operator");
      viewer = await api.tokenFor("viewer");
    });
    afterAll(() => api?.close());

    const uniqueName = () => `tpl-${randomUUID().slice(0, 8)}`;
    const body = (overrides: Record<string, unknown> = {}) => ({
      name: uniqueName(),
      description: "A100 hosts",
      logic: "and",
      groups: [GPU_GROUP, ZONE_GROUP],
      ...overrides,
    });
    const create = (input: unknown, token = operator) =>
      api.json<Template>("POST", "/v1/query-templates", { token, body: input });
    const patch = (id: string, input: unknown, token = operator) =>
      api.json<Template>("PATCH", `/v1/query-templates/${id}`, { token, body: input });
    const get = (id: string, token = viewer) =>
      api.json<Template>("GET", `/v1/query-templates/${id}`, { token });
    const remove = (id: string, token = operator) =>
      api.json<Template>("DELETE", `/v1/query-templates/${id}`, { token });
    const listAll = async (query = "", token = viewer) => {
      const items: Template[] = [];
      let cursor: string | null = null;
      do {
        const res: { status: number; body: { items: Template[]; nextCursor: string | null } } =
          await api.json("GET", `/v1/query-templates?limit=2${query}${cursor ? `&cursor=${cursor}` : ""}`, {
            token,
          });
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        items.push(...res.body.items);
        cursor = res.body.nextCursor;
      } while (cursor);
      return items;
    };

    it("creates a template an operator defines and a viewer reads back", async () => {
      const input = body();
      const created = await create(input);
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      expect(created.body).toMatchObject({
        name: input.name,
        description: "A100 hosts",
        logic: "and",
        groups: [GPU_GROUP, ZONE_GROUP],
        version: expect.any(Number),
      });
      expect(Date.parse(created.body.createdAt)).not.toBeNaN();
      const read = await get(created.body.id);
      expect(read.status).toBe(200);
      expect(read.body).toEqual(created.body);
    });

    it("lists templates with pagination and q text search", async () => {
      const marker = randomUUID().slice(0, 8);
      const made: Template[] = [];
      for (let i = 0; i < 3; i++) made.push((await create(body({ name: `search-${marker}-${i}` }))).body);
      const other = (await create(body())).body;
      const all = await listAll();
      expect(new Set(all.map((t) => t.id)).size).toBe(all.length);
      expect(all.map((t) => t.id)).toEqual(expect.arrayContaining([...made, other].map((t) => t.id)));
      const found = await listAll(`&q=${marker.toUpperCase()}`);
      expect(found.map((t) => t.id).sort()).toEqual(made.map((t) => t.id).sort());
      expect(found.find((t) => t.id === made[0]!.id)).toEqual(made[0]);
    });

    it("updates any field, bumps the version, and refuses a stale expectedVersion with 409", async () => {
      const { body: t } = await create(body());
      const renamed = uniqueName();
      const changed = await patch(t.id, {
        name: renamed,
        logic: "or",
        groups: [ZONE_GROUP],
        expectedVersion: t.version,
      });
      expect(changed.status, JSON.stringify(changed.body)).toBe(200);
      expect(changed.body).toMatchObject({ id: t.id, name: renamed, logic: "or", groups: [ZONE_GROUP] });
      expect(changed.body.description).toBe(t.description);
      expect(changed.body.version).toBeGreaterThan(t.version);

      const stale = await patch(t.id, { description: "late", expectedVersion: t.version });
      expect(stale.status).toBe(409);
      expect(stale.body.error?.code).toBe("stale_version");
      expect((await get(t.id)).body).toEqual(changed.body);

      const onlyDescription = await patch(t.id, {
        description: "newer",
        expectedVersion: changed.body.version,
      });
      expect(onlyDescription.status).toBe(200);
      expect(onlyDescription.body).toMatchObject({
        name: renamed,
        description: "newer",
        groups: [ZONE_GROUP],
      });
    });

    it("refuses a PATCH that changes nothing", async () => {
      const { body: t } = await create(body());
      for (const input of [{}, { expectedVersion: t.version }]) {
        const res = await patch(t.id, input);
        expect(res.status).toBe(400);
        expect(res.body.error?.code).toBe("validation_failed");
      }
    });

    it("deletes a template: gone from get and list, and a second delete is 404", async () => {
      const { body: t } = await create(body());
      const deleted = await remove(t.id);
      expect(deleted.status, JSON.stringify(deleted.body)).toBe(200);
      expect((await get(t.id)).status).toBe(404);
      expect((await listAll()).some((x) => x.id === t.id)).toBe(false);
      expect((await remove(t.id)).status).toBe(404);
      expect((await patch(t.id, { description: "x" })).status).toBe(404);
    });

    it("answers 404 for an unknown template and 400 for an id that is not a UUID", async () => {
      expect((await get(randomUUID())).status).toBe(404);
      const bad = await get("not-a-uuid");
      expect(bad.status).toBe(400);
      expect(bad.body.error?.message).toContain("templateId");
    });

    it("refuses a second template with the same name (409), on create and on rename", async () => {
      const { body: first } = await create(body());
      const dup = await create(body({ name: first.name }));
      expect(dup.status).toBe(409);
      expect(dup.body.error?.code).toBe("conflict");
      const { body: second } = await create(body());
      const rename = await patch(second.id, { name: first.name });
      expect(rename.status).toBe(409);
      expect(rename.body.error?.code).toBe("conflict");
      expect((await get(second.id)).body.name).toBe(second.name);
    });

    it("lets viewers read and only unscoped operators write", async () => {
      const { body: t } = await create(body());
      const cluster = await seedCluster(api.database.db);
      const scopedOperator = await api.tokenFor("operator", cluster.id);
      const scopedViewer = await api.tokenFor("viewer", cluster.id);
      // reading: any role, scoped or not (templates are fleet-wide)
      for (const token of [viewer, scopedViewer, scopedOperator]) {
        expect((await get(t.id, token)).status).toBe(200);
        expect((await api.call("GET", "/v1/query-templates", { token })).status).toBe(200);
      }
      // writing: a viewer is refused for its role, a scoped operator for its scope
      for (const token of [viewer, scopedOperator]) {
        const refusals = [
          await create(body(), token),
          await patch(t.id, { description: "nope" }, token),
          await remove(t.id, token),
        ];
        for (const res of refusals) {
          expect(res.status).toBe(403);
          expect(res.body.error?.code).toBe("forbidden");
        }
      }
      const scoped = await create(body(), scopedOperator);
      expect(scoped.body.error?.message).toMatch(/cluster-scoped token cannot change them/);
      expect((await get(t.id)).body).toEqual(t);
      expect((await api.call("GET", "/v1/query-templates")).status).toBe(401);
    });

    it("records the audit rows of create, update and delete; a refused write as a failure", async () => {
      const requestIdOf = (res: { res: Response }) => res.res.headers.get("x-request-id")!;
      const rowsOf = (requestId: string) =>
        api.database.db.select().from(auditLogs).where(eq(auditLogs.requestId, requestId));
      const created = await create(body());
      const t = created.body;
      const updated = await patch(t.id, { description: "audited" });
      const stale = await patch(t.id, { description: "stale", expectedVersion: 0 });
      const deleted = await remove(t.id);
      expect([created.status, updated.status, stale.status, deleted.status]).toEqual([201, 200, 409, 200]);
      const expected = [
        [created, "query_template.create", "success", 201],
        [updated, "query_template.update", "success", 200],
        [stale, "query_template.update", "failure", 409],
        [deleted, "query_template.delete", "success", 200],
      ] as const;
      for (const [res, action, result, statusCode] of expected) {
        const rows = await rowsOf(requestIdOf(res));
        expect(rows, action).toHaveLength(1);
        expect(rows[0]).toMatchObject({ action, result, statusCode, resourceType: "query_template" });
        expect(rows[0]!.actor).toMatch(/^token:/);
        if (result === "success") expect(rows[0]!.resourceId).toBe(t.id);
      }
      const byResource = await api.database.db.select().from(auditLogs).where(eq(auditLogs.resourceId, t.id));
      expect(
        byResource
          .filter((r) => r.result === "success")
          .map((r) => r.action)
          .sort(),
      ).toEqual(["query_template.create", "query_template.delete", "query_template.update"]);
    });

    describe("an invalid template is a 400 naming the offending path", () => {
      const block = { type: "device", key: "cpuCores", operator: "gte", value: 8 };
      const withBlock = (bad: Record<string, unknown>) => ({
        logic: "and",
        groups: [GPU_GROUP, { logic: "and", blocks: [bad, block] }],
      });
      it.each([
        ["an unknown operator", { ...block, operator: "like" }, "groups[1].blocks[0].operator"],
        ["an unknown block type", { ...block, type: "annotation" }, "groups[1].blocks[0].type"],
        ["an unknown device field", { ...block, key: "cpuCount" }, "groups[1].blocks[0].key"],
        ["an unknown property", { ...block, negate: true }, "groups[1].blocks[0]"],
        ["a string for a numeric comparison", { ...block, value: "eight" }, "groups[1].blocks[0].value"],
        ["a scalar for in", { ...block, operator: "in", value: 8 }, "groups[1].blocks[0].value"],
        ["a value for exists", { ...block, operator: "exists" }, "groups[1].blocks[0].value"],
        ["no value for eq", { type: "device", key: "zone", operator: "eq" }, "groups[1].blocks[0].value"],
        ["an object as the value", { ...block, value: { n: 8 } }, "groups[1].blocks[0].value"],
        ["a boolean as the value", { ...block, operator: "eq", value: true }, "groups[1].blocks[0].value"],
      ])("%s", async (_what, bad, path) => {
        const input = withBlock(bad);
        for (const res of [
          await create({ name: uniqueName(), ...input }),
          await patch((await create(body())).body.id, { groups: input.groups }),
        ]) {
          expect(res.status, JSON.stringify(res.body)).toBe(400);
          expect(res.body.error?.code).toBe("validation_failed");
          const message = res.body.error?.message ?? "";
          expect(message).toContain(path);
          expect(message).not.toMatch(/groups\.\d|blocks\.\d/);
        }
      });

      it("lists every zod issue in details with bracket paths", async () => {
        const res = await create({
          name: uniqueName(),
          logic: "xor",
          groups: [GPU_GROUP, { logic: "and", blocks: [{ ...block, operator: "like" }] }],
        });
        expect(res.status).toBe(400);
        const issues = res.body.error?.details?.issues ?? [];
        expect(issues.map((i) => i.path).sort()).toEqual(["groups[1].blocks[0].operator", "logic"]);
        expect(res.body.error?.message).toMatch(
          /^invalid request json: (logic|groups\[1\]\.blocks\[0\]\.operator): /,
        );
      });

      it("refuses a group without blocks; a template without groups matches everything and is allowed", async () => {
        const empty = await create({
          name: uniqueName(),
          logic: "and",
          groups: [GPU_GROUP, { logic: "or", blocks: [] }],
        });
        expect(empty.status).toBe(400);
        expect(empty.body.error?.code).toBe("validation_failed");
        expect(empty.body.error?.message).toContain("groups[1].blocks");
        const none = await create({ name: uniqueName(), logic: "or", groups: [] });
        expect(none.status, JSON.stringify(none.body)).toBe(201);
        expect(none.body.groups).toEqual([]);
      });
    });
  });
});
