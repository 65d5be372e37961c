/**
 * GET /v1/machines over 100,000 machines: a page of 100 under any single
 * filter must be answered from an index in (created_at, id) order — no
 * sequential scan of the table, no sort of every match — on page 1 and deep
 * into the list alike. Free text (`q`) is the exception: a substring match
 * cannot use a B-tree, so it walks the sort index and stops at a full page.
 * Timings are measured and printed, not asserted (the CI machine is shared).
 */
import { sql } from "drizzle-orm";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ListMachinesInput,
  machinePageQuery,
} from "../../../../../../functions/services/machines/list-machines.ts";
import { encodeCursor } from "../../../../../../functions/services/pagination.ts";
import { startTestApi, type TestApi } from "../../../../../support/api.ts";
import { seedCluster, seedPool } from "../../../../../support/fixtures.ts";
import { requirePostgres } from "../../../../../support/postgres.ts";

const ok = await requirePostgres();
const MACHINES = 100_000;
const PAGE = 100;

describe.skipIf(!ok)(`listing ${MACHINES} machines`, () => {
  let api: TestApi;
  let clusterId: string;
  let poolId: string;
  beforeAll(async () => {
    api = await startTestApi();
    const db = api.database.db;
    const clusterIds: string[] = [];
    const poolIds: string[] = [];
    for (let c = 0; c < 10; c++) {
      const cluster = await seedCluster(db);
      clusterIds.push(cluster.id);
      for (let p = 0; p < 2; p++) poolIds.push((await seedPool(db, cluster.id)).id);
    }
    clusterId = clusterIds[3]!;
    poolId = poolIds[7]!;
    // g % 20 picks the pool (and its cluster); every tenth machine is free inventory
    await db.execute(sql`
      insert into machines (hostname, ip, cluster_id, pool_id, status, region, zone, labels, created_at)
      select 'node-' || g,
             '10.0.0.0'::inet + g,
             case when g % 10 = 0 then null else (${sql.raw(`array['${clusterIds.join("','")}']`)}::uuid[])[(g % 20) / 2 + 1] end,
             case when g % 10 = 0 then null else (${sql.raw(`array['${poolIds.join("','")}']`)}::uuid[])[g % 20 + 1] end,
             (array['available','ready','ready','ready','fault','maintenance','draining'])[g % 7 + 1],
             'region-' || (g % 5),
             'zone-' || (g % 15),
             case when g % 50 = 0 then '{"gpu":"a100"}'::jsonb else '{"tier":"web"}'::jsonb end,
             timestamptz '2026-01-01' + g * interval '1 second'
      from generate_series(1, ${MACHINES}) g`);
    await db.execute(sql`analyze machines`);
  }, 120_000);
  afterAll(() => api?.close());

  const CASES: [string, Partial<ListMachinesInput>][] = [
    ["no filter", {}],
    ["clusterId", { clusterId: "CLUSTER" }],
    ["poolId", { poolId: "POOL" }],
    ["status", { statuses: ["fault"] }],
    ["region", { region: "region-2" }],
    ["zone", { zone: "zone-7" }],
    ["unassigned", { unassigned: true }],
    ["labelSelector", { labelSelector: "gpu=a100" }],
    ["scoped token", { scopeClusterId: "CLUSTER" }],
  ];

  const inputOf = (filter: Partial<ListMachinesInput>): ListMachinesInput => ({
    limit: PAGE,
    scopeClusterId: null,
    ...filter,
    ...(filter.clusterId ? { clusterId } : {}),
    ...(filter.poolId ? { poolId } : {}),
    ...(filter.scopeClusterId ? { scopeClusterId: clusterId } : {}),
  });

  async function plan(input: ListMachinesInput): Promise<string> {
    const query = machinePageQuery(api.database.db, input).toSQL();
    const client = new pg.Client({ connectionString: api.testDatabase.url });
    await client.connect();
    try {
      const res = await client.query(`explain ${query.sql}`, query.params);
      return res.rows.map((r: Record<string, string>) => r["QUERY PLAN"]).join("\n");
    } finally {
      await client.end();
    }
  }

  it.each(CASES)("answers a page filtered by %s from an index, without sorting", async (_name, filter) => {
    const text = await plan(inputOf(filter));
    expect(text).not.toMatch(/Seq Scan on machines/);
    expect(text).not.toMatch(/^\s*(->\s+)?(Sort|Incremental Sort)\b/m);
  });

  it("serves every single filter, on the first and a deep page, in milliseconds", async () => {
    const timings: string[] = [];
    for (const [name, filter] of [...CASES, ["q", { q: "node-4242" }] as const]) {
      const input = inputOf(filter);
      const query = new URLSearchParams({ limit: String(PAGE) });
      for (const key of ["clusterId", "poolId", "region", "zone", "labelSelector", "q"] as const) {
        const value = input[key];
        if (typeof value === "string") query.set(key, value);
      }
      if (input.statuses) query.set("status", input.statuses.join(","));
      if (input.unassigned) query.set("unassigned", "true");
      const token = input.scopeClusterId ? await api.tokenFor("viewer", clusterId) : api.admin;

      const timed = async (url: string) => {
        const started = performance.now();
        const res = await api.json("GET", url, { token });
        expect(res.status).toBe(200);
        if (name !== "q") expect(res.body.items).toHaveLength(PAGE);
        return (performance.now() - started).toFixed(1);
      };
      const firstMs = await timed(`/v1/machines?${query}`);
      // a position 80,000 seconds into the list: keyset pagination starts there directly
      query.set(
        "cursor",
        encodeCursor({ at: "2026-01-01T22:13:20.000000Z", id: "00000000-0000-0000-0000-000000000000" }),
      );
      const deepMs = await timed(`/v1/machines?${query}`);
      timings.push(`${name}: first page ${firstMs} ms, deep page ${deepMs} ms`);
    }
    console.info(`[machines-list-scale] ${MACHINES} machines, pages of ${PAGE}\n  ${timings.join("\n  ")}`);
  });
});
