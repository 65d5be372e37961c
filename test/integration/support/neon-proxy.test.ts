import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../../drizzle/client.ts";
import { openNeon } from "../../../drizzle/drivers/neon.ts";
import { resultRows } from "../../../drizzle/drivers/rows.ts";
import { clusters } from "../../../drizzle/schema/index.ts";
import { type NeonProxy, startNeonProxy } from "../../support/neon-proxy.ts";
import { createTestDatabase, requirePostgres, type TestDatabase } from "../../support/postgres.ts";

const ok = await requirePostgres();

describe.skipIf(!ok)("neon ws-to-tcp proxy", () => {
  let fresh: TestDatabase;
  let proxy: NeonProxy;
  let database: Database;
  beforeAll(async () => {
    fresh = await createTestDatabase();
    proxy = await startNeonProxy();
    database = await openNeon(fresh.url, proxy.neonOptions, { verify: true });
  });
  afterAll(async () => {
    await database?.close();
    await proxy?.close();
    await fresh?.drop();
  });

  it("carries queries from the Neon driver to Postgres", async () => {
    const before = proxy.connections();
    const rows = resultRows<{ db: string }>(await database.db.execute(sql`select current_database() as db`));
    expect(rows[0]?.db).toBe(fresh.name);
    expect(proxy.connections()).toBeGreaterThanOrEqual(Math.max(before, 1));
  });

  it("carries interactive transactions: commit keeps, rollback discards", async () => {
    await database.db.transaction(async (tx) => {
      await tx.insert(clusters).values({ name: "committed" });
    });
    await database.db
      .transaction(async (tx) => {
        await tx.insert(clusters).values({ name: "rolled-back" });
        const seen = await tx.select().from(clusters);
        expect(seen.map((c) => c.name)).toContain("rolled-back");
        throw new Error("abort");
      })
      .catch(() => {});
    const names = (await database.db.select({ name: clusters.name }).from(clusters)).map((c) => c.name);
    expect(names).toContain("committed");
    expect(names).not.toContain("rolled-back");
  });

  it("stops accepting connections once closed", async () => {
    const other = await startNeonProxy();
    await other.close();
    const failing = openNeon(fresh.url, other.neonOptions, { verify: true });
    await expect(failing).rejects.toMatchObject({ code: "dependency_unavailable" });
  });
});
