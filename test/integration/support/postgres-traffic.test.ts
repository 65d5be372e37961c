/**
 * countPostgresTraffic (test/support/db-drivers.ts), which the fleet bench
 * counts Postgres statements and connections with: through a pool, through
 * drizzle with the statement cache, in transactions, and nothing once stopped.
 */
import { sql } from "drizzle-orm";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openNodePostgres } from "../../../drizzle/drivers/node-postgres.ts";
import { countPostgresTraffic } from "../../support/db-drivers.ts";
import { createTestDatabase, requirePostgres, type TestDatabase } from "../../support/postgres.ts";

const ok = await requirePostgres();

describe.skipIf(!ok)("countPostgresTraffic", () => {
  let fresh: TestDatabase;
  beforeAll(async () => {
    fresh = await createTestDatabase({ migrated: false });
  });
  afterAll(() => fresh?.drop());

  it("counts every statement and every connection of node-postgres", async () => {
    const traffic = countPostgresTraffic();
    try {
      expect(traffic.counts()).toEqual({ queries: 0, connections: 0 });
      // openNodePostgres checks the URL with one `select 1` on one new connection
      const database = await openNodePostgres(fresh.url, { maxConnections: 2 });
      try {
        expect(traffic.counts()).toEqual({ queries: 1, connections: 1 });
        // the same parameterised text three times: the statement cache names it on its second use
        for (let i = 0; i < 3; i++) await database.db.execute(sql`select ${i}::int as n`);
        expect(traffic.counts().queries).toBe(4);
        await database.db.transaction(async (tx) => {
          await tx.execute(sql`select 1`);
          await tx.execute(sql`select 2`);
        });
        // BEGIN, two statements, COMMIT
        expect(traffic.counts().queries).toBe(8);
        // two at once need a second connection
        await Promise.all([
          database.db.execute(sql`select pg_sleep(0.05)`),
          database.db.execute(sql`select pg_sleep(0.05)`),
        ]);
        expect(traffic.counts()).toEqual({ queries: 10, connections: 2 });
      } finally {
        await database.close();
      }
      const client = new pg.Client({ connectionString: fresh.url });
      await client.connect();
      await client.query("select 1");
      await client.end();
      expect(traffic.counts()).toEqual({ queries: 11, connections: 3 });
    } finally {
      traffic.stop();
    }
  });

  it("counts nothing once stopped, and refuses a second counter while one runs", async () => {
    const first = countPostgresTraffic();
    expect(() => countPostgresTraffic()).toThrow(/already running/);
    first.stop();
    const client = new pg.Client({ connectionString: fresh.url });
    await client.connect();
    await client.query("select 1");
    await client.end();
    expect(first.counts()).toEqual({ queries: 0, connections: 0 });
    countPostgresTraffic().stop(); // free again
  });
});
