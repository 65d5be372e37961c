/**
 * deviceQuery's input rules and scope, beside the property test: exactly one
 * of template and templateId, an unknown templateId is a 404, bad templates,
 * extra groups, limits and cursors are 400s naming the path, and a caller
 * scoped to a cluster sees only that cluster's machines, never the free
 * inventory. On Postgres and on PGlite.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type DeviceQueryInput,
  deviceQuery,
} from "../../../../../functions/services/device-query/device-query.ts";
import type { QueryTemplateBody } from "../../../../../functions/services/device-query/template.ts";
import { createQueryTemplate } from "../../../../../functions/services/query-templates/create-query-template.ts";
import { TEST_API_DRIVERS } from "../../../../support/api.ts";
import { openTestDatabaseOn, type TestDatabaseHandle } from "../../../../support/db-drivers.ts";
import { seedCluster, seedMachine, seedPool, testContext } from "../../../../support/fixtures.ts";
import { requirePostgres } from "../../../../support/postgres.ts";
import { appErrorOf as rejection } from "../../../../support/service-rows.ts";

const postgres = await requirePostgres();

/** Machines carrying this rack value only: each test queries its own. */
const rackIs = (rack: string): QueryTemplateBody => ({
  logic: "and",
  groups: [{ logic: "and", blocks: [{ type: "device", key: "rack", operator: "eq", value: rack }] }],
});

describe.each(TEST_API_DRIVERS)("deviceQuery on %s", (driver) => {
  describe.skipIf(driver !== "pglite" && !postgres)(driver, () => {
    let handle: TestDatabaseHandle;
    beforeAll(async () => {
      handle = await openTestDatabaseOn(driver);
    });
    afterAll(async () => handle?.teardown());

    const db = () => handle.db;
    const ctx = () => testContext(db());
    const query = (input: Partial<DeviceQueryInput>) =>
      deviceQuery({ ctx: ctx(), input: { limit: 100, scopeClusterId: null, ...input } });

    it("a scoped caller sees only its cluster's machines, never the free inventory", async () => {
      const rack = `rack-${randomUUID()}`;
      const mine = await seedCluster(db());
      const theirs = await seedCluster(db());
      const pool = await seedPool(db(), mine.id);
      const free = await seedMachine(db(), { rack });
      const inMine = await seedMachine(db(), { rack, clusterId: mine.id, poolId: pool.id });
      const inTheirs = await seedMachine(db(), { rack, clusterId: theirs.id });
      const ids = async (input: Partial<DeviceQueryInput>) => {
        const result = await query({ template: rackIs(rack), ...input });
        expect(result.total).toBe(result.items.length);
        return result.items.map((m) => m.id).sort();
      };
      expect(await ids({})).toEqual([free.id, inMine.id, inTheirs.id].sort());
      expect(await ids({ scopeClusterId: mine.id })).toEqual([inMine.id]);
      expect(await ids({ scopeClusterId: mine.id, unassigned: true })).toEqual([]);
      // another cluster by id is refused like another cluster by name: not found
      await expect(ids({ scopeClusterId: mine.id, clusterId: theirs.id })).rejects.toMatchObject({
        code: "not_found",
      });
      expect(await ids({ unassigned: true })).toEqual([free.id]);
      expect(await ids({ unassigned: false })).toEqual([inMine.id, inTheirs.id].sort());
      expect(await ids({ clusterId: theirs.id })).toEqual([inTheirs.id]);
      expect(await ids({ poolId: pool.id })).toEqual([inMine.id]);
      // extra groups AND with the template
      const extra = [
        {
          logic: "and" as const,
          blocks: [{ type: "device" as const, key: "tags", operator: "notexists" as const }],
        },
        {
          logic: "or" as const,
          blocks: [
            { type: "device" as const, key: "ip", operator: "eq" as const, value: `::ffff:${inMine.ip}` },
          ],
        },
      ];
      expect(await ids({ extra })).toEqual([inMine.id]);
    });

    it("queries by a stored template; an unknown or malformed templateId is not found", async () => {
      const rack = `rack-${randomUUID()}`;
      const machine = await seedMachine(db(), { rack });
      const stored = await createQueryTemplate({ ctx: ctx(), input: { name: rack, ...rackIs(rack) } });
      const result = await query({ templateId: stored.id });
      expect(result).toEqual({ items: [machine], nextCursor: null, total: 1 });
      for (const templateId of [randomUUID(), "nope"]) {
        expect((await rejection(query({ templateId }))).code).toBe("not_found");
      }
    });

    it("a template with no groups matches every machine in scope", async () => {
      const cluster = await seedCluster(db());
      const machines = await Promise.all([1, 2, 3].map(() => seedMachine(db(), { clusterId: cluster.id })));
      const result = await query({ template: { logic: "or", groups: [] }, clusterId: cluster.id, limit: 2 });
      expect(result.total).toBe(3);
      expect(result.items).toHaveLength(2);
      expect(result.nextCursor).not.toBeNull();
      const rest = await query({
        template: { logic: "or", groups: [] },
        clusterId: cluster.id,
        limit: 2,
        cursor: result.nextCursor!,
      });
      expect([...result.items, ...rest.items].map((m) => m.id).sort()).toEqual(
        machines.map((m) => m.id).sort(),
      );
      expect(rest.nextCursor).toBeNull();
    });

    it("refuses what is not one query, naming the path", async () => {
      const template = rackIs("r");
      const cases: [Partial<DeviceQueryInput>, string, string][] = [
        [{}, "validation_failed", "template"],
        [{ template, templateId: randomUUID() }, "validation_failed", "templateId"],
        [
          {
            template: {
              logic: "and",
              groups: [{ logic: "and", blocks: [{ type: "device", key: "rack", operator: "gt", value: 1 }] }],
            },
          },
          "validation_failed",
          "template.groups[0].blocks[0].operator",
        ],
        [
          {
            template,
            extra: [
              {
                logic: "or",
                blocks: [
                  { type: "device", key: "rack", operator: "exists" },
                  { type: "taint", key: "t", operator: "eq" },
                ],
              },
            ],
          },
          "validation_failed",
          "extra[0].blocks[1].value",
        ],
        [{ template, extra: [{ logic: "or", blocks: [] }] }, "validation_failed", "extra[0].blocks"],
        [{ template, limit: 0 }, "validation_failed", "limit"],
        [{ template, limit: 501 }, "validation_failed", "limit"],
      ];
      for (const [input, code, path] of cases) {
        const err = await rejection(query(input));
        expect([err.code, err.details?.path]).toEqual([code, path]);
      }
      expect((await rejection(query({ template, cursor: "garbage" }))).code).toBe("validation_failed");
    });
  });
});
