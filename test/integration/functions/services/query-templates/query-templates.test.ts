/**
 * The query template services: create, list, get, update and delete, each
 * write committed with its audit row (or not at all); a taken name is a 409,
 * a stale expectedVersion a stale_version, an unknown id a 404, a bad
 * template a 400 naming its path. On Postgres and on PGlite.
 */
import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryTemplates } from "../../../../../drizzle/schema/index.ts";
import type { QueryGroup } from "../../../../../functions/services/device-query/template.ts";
import { createQueryTemplate } from "../../../../../functions/services/query-templates/create-query-template.ts";
import { deleteQueryTemplate } from "../../../../../functions/services/query-templates/delete-query-template.ts";
import { getQueryTemplate } from "../../../../../functions/services/query-templates/get-query-template.ts";
import { listQueryTemplates } from "../../../../../functions/services/query-templates/list-query-templates.ts";
import { updateQueryTemplate } from "../../../../../functions/services/query-templates/update-query-template.ts";
import { TEST_API_DRIVERS } from "../../../../support/api.ts";
import { refusingAuditWrites } from "../../../../support/audit-refusal.ts";
import { openTestDatabaseOn, type TestDatabaseHandle } from "../../../../support/db-drivers.ts";
import { testContext } from "../../../../support/fixtures.ts";
import { requirePostgres } from "../../../../support/postgres.ts";
import { auditRowsOf, appErrorOf as rejection } from "../../../../support/service-rows.ts";

const postgres = await requirePostgres();

const GPU_GROUPS: QueryGroup[] = [
  {
    logic: "and",
    blocks: [
      { type: "device", key: "gpuCount", operator: "gte", value: 1 },
      { type: "nodeLabel", key: "example.com/team", operator: "in", value: ["ml", "infra"] },
    ],
  },
];

describe.each(TEST_API_DRIVERS)("query template services on %s", (driver) => {
  describe.skipIf(driver !== "pglite" && !postgres)(driver, () => {
    let handle: TestDatabaseHandle;
    beforeAll(async () => {
      handle = await openTestDatabaseOn(driver);
    });
    afterAll(async () => handle?.teardown());

    const db = () => handle.db;
    const ctx = () => testContext(db(), { actor: "token:operator" });
    const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;
    const rowsNamed = (name: string) =>
      db().select().from(queryTemplates).where(eq(queryTemplates.name, name));
    const create = (name: string, c = ctx()) =>
      createQueryTemplate({
        ctx: c,
        input: { name, description: "GPU workers", logic: "or", groups: GPU_GROUPS },
      });

    it("create, get, update and delete, each with its audit row", async () => {
      const name = unique("gpu");
      const creating = ctx();
      const created = await create(name, creating);
      expect(created).toEqual({
        id: expect.any(String),
        name,
        description: "GPU workers",
        logic: "or",
        groups: GPU_GROUPS,
        version: 0,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      expect(await getQueryTemplate({ ctx: ctx(), input: { id: created.id } })).toEqual(created);
      expect(await auditRowsOf(db(), creating.requestId)).toEqual([
        expect.objectContaining({
          actor: "token:operator",
          action: "query_template.create",
          resourceType: "query_template",
          resourceId: created.id,
          clusterId: null,
          result: "success",
          changes: { name, description: "GPU workers", logic: "or", groups: GPU_GROUPS },
        }),
      ]);

      const updating = ctx();
      const renamed = unique("gpu-renamed");
      const updated = await updateQueryTemplate({
        ctx: updating,
        input: {
          id: created.id,
          changes: { name: renamed, description: null, logic: "and" },
          expectedVersion: 0,
        },
      });
      expect(updated).toMatchObject({
        name: renamed,
        description: null,
        logic: "and",
        groups: GPU_GROUPS,
        version: 1,
      });
      expect(await auditRowsOf(db(), updating.requestId)).toEqual([
        expect.objectContaining({
          action: "query_template.update",
          resourceId: created.id,
          changes: { name: renamed, description: null, logic: "and", version: 1 },
        }),
      ]);
      // without expectedVersion the last writer wins, and the version still moves on
      const again = await updateQueryTemplate({ ctx: ctx(), input: { id: created.id, changes: {} } });
      expect(again.version).toBe(2);

      const deleting = ctx();
      const deleted = await deleteQueryTemplate({ ctx: deleting, input: { id: created.id } });
      expect(deleted.id).toBe(created.id);
      expect(await rowsNamed(renamed)).toEqual([]);
      expect(await auditRowsOf(db(), deleting.requestId)).toEqual([
        expect.objectContaining({
          action: "query_template.delete",
          resourceType: "query_template",
          resourceId: created.id,
          changes: { name: renamed },
        }),
      ]);
    });

    it("stores addresses in their canonical spelling and drops unknown properties", async () => {
      const created = await createQueryTemplate({
        ctx: ctx(),
        input: {
          name: unique("addresses"),
          logic: "and",
          groups: [
            {
              logic: "or",
              blocks: [
                {
                  type: "device",
                  key: "ip",
                  operator: "in",
                  value: ["::FFFF:10.1.2.3", "fd00:0::0:1"],
                  hint: 1,
                },
              ],
            },
          ] as unknown as QueryGroup[],
        },
      });
      expect(created.groups).toEqual([
        {
          logic: "or",
          blocks: [{ type: "device", key: "ip", operator: "in", value: ["10.1.2.3", "fd00::1"] }],
        },
      ]);
      expect(created.description).toBeNull();
    });

    it("lists oldest first with a cursor, and finds by name or description", async () => {
      const tag = unique("listed");
      const made = [];
      for (let i = 0; i < 5; i++) made.push(await create(`${tag}-${i}`));
      await createQueryTemplate({
        ctx: ctx(),
        input: { name: unique("other"), description: `about ${tag}`, logic: "and", groups: [] },
      });
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await listQueryTemplates({ ctx: ctx(), input: { limit: 2, cursor, q: `${tag}-` } });
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items.map((t) => t.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(seen).toEqual(made.map((t) => t.id));
      const byDescription = await listQueryTemplates({ ctx: ctx(), input: { limit: 10, q: `ABOUT ${tag}` } });
      expect(byDescription.items.map((t) => t.description)).toEqual([`about ${tag}`]);
      // wildcards in q are plain characters
      expect((await listQueryTemplates({ ctx: ctx(), input: { limit: 10, q: `${tag}_%` } })).items).toEqual(
        [],
      );
      const bad = await rejection(listQueryTemplates({ ctx: ctx(), input: { limit: 10, cursor: "nope" } }));
      expect(bad.code).toBe("validation_failed");
    });

    it("a taken name is a 409 on create and on rename, and nothing is written", async () => {
      const name = unique("taken");
      const first = await create(name);
      const other = await create(unique("other"));
      const dup = ctx();
      const err = await rejection(create(name, dup));
      expect(err.code).toBe("conflict");
      expect(err.message).toContain(name);
      expect(await rowsNamed(name)).toHaveLength(1);
      expect(await auditRowsOf(db(), dup.requestId)).toEqual([]);

      const rename = await rejection(
        updateQueryTemplate({ ctx: ctx(), input: { id: other.id, changes: { name } } }),
      );
      expect(rename.code).toBe("conflict");
      expect((await getQueryTemplate({ ctx: ctx(), input: { id: first.id } })).version).toBe(0);
      expect((await getQueryTemplate({ ctx: ctx(), input: { id: other.id } })).version).toBe(0);
    });

    it("a stale expectedVersion is refused and changes nothing", async () => {
      const created = await create(unique("stale"));
      await updateQueryTemplate({
        ctx: ctx(),
        input: { id: created.id, changes: { logic: "and" }, expectedVersion: 0 },
      });
      const stale = ctx();
      const err = await rejection(
        updateQueryTemplate({
          ctx: stale,
          input: { id: created.id, changes: { logic: "or" }, expectedVersion: 0 },
        }),
      );
      expect(err.code).toBe("stale_version");
      expect(err.details).toMatchObject({ expectedVersion: 0, actualVersion: 1 });
      expect(await getQueryTemplate({ ctx: ctx(), input: { id: created.id } })).toMatchObject({
        logic: "and",
        version: 1,
      });
      expect(await auditRowsOf(db(), stale.requestId)).toEqual([]);
    });

    it("unknown and malformed ids are not found", async () => {
      for (const id of [randomUUID(), "not-a-uuid"]) {
        const errors = await Promise.all([
          rejection(getQueryTemplate({ ctx: ctx(), input: { id } })),
          rejection(updateQueryTemplate({ ctx: ctx(), input: { id, changes: { logic: "and" } } })),
          rejection(updateQueryTemplate({ ctx: ctx(), input: { id, changes: {}, expectedVersion: 3 } })),
          rejection(deleteQueryTemplate({ ctx: ctx(), input: { id } })),
        ]);
        expect(errors.map((e) => e.code)).toEqual(["not_found", "not_found", "not_found", "not_found"]);
      }
    });

    it("a bad template, name or description is a 400 naming the path, and nothing is written", async () => {
      const name = unique("bad");
      const groups = [
        GPU_GROUPS[0]!,
        { logic: "and", blocks: [{ type: "device", key: "cpuCores", operator: "gt", value: "8" }] },
      ] as QueryGroup[];
      const creating = ctx();
      const err = await rejection(
        createQueryTemplate({ ctx: creating, input: { name, logic: "and", groups } }),
      );
      expect(err.code).toBe("validation_failed");
      expect(err.details?.path).toBe("groups[1].blocks[0].value");
      expect(err.message).toMatch(/^groups\[1\]\.blocks\[0\]\.value: /);
      expect(await rowsNamed(name)).toEqual([]);
      expect(await auditRowsOf(db(), creating.requestId)).toEqual([]);

      const blank = await rejection(
        createQueryTemplate({ ctx: ctx(), input: { name: " ", logic: "and", groups: [] } }),
      );
      expect(blank.details?.path).toBe("name");

      const created = await create(unique("kept"));
      const update = await rejection(
        updateQueryTemplate({ ctx: ctx(), input: { id: created.id, changes: { groups } } }),
      );
      expect(update.details?.path).toBe("groups[1].blocks[0].value");
      const logic = await rejection(
        updateQueryTemplate({ ctx: ctx(), input: { id: created.id, changes: { logic: "xor" as "and" } } }),
      );
      expect(logic.details?.path).toBe("logic");
      const description = await rejection(
        updateQueryTemplate({
          ctx: ctx(),
          input: { id: created.id, changes: { description: "d".repeat(1001) } },
        }),
      );
      expect(description.details?.path).toBe("description");
      expect((await getQueryTemplate({ ctx: ctx(), input: { id: created.id } })).version).toBe(0);
    });

    it("a write whose audit row cannot be written is not made", async () => {
      const kept = await create(unique("kept"));
      const refused = ctx();
      const name = unique("unaudited");
      await refusingAuditWrites(db(), "insert", refused.requestId, async () => {
        const errors = await Promise.all([
          rejection(create(name, refused)),
          rejection(updateQueryTemplate({ ctx: refused, input: { id: kept.id, changes: { logic: "and" } } })),
          rejection(deleteQueryTemplate({ ctx: refused, input: { id: kept.id } })),
        ]);
        expect(errors.map((e) => e.code)).toEqual([
          "dependency_unavailable",
          "dependency_unavailable",
          "dependency_unavailable",
        ]);
      });
      expect(await rowsNamed(name)).toEqual([]);
      expect(await getQueryTemplate({ ctx: ctx(), input: { id: kept.id } })).toEqual(kept);
    });
  });
});
