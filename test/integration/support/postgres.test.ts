import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openNodePostgres } from "../../../drizzle/drivers/node-postgres.ts";
import { migrationStatus } from "../../../drizzle/migrate.ts";
import {
  createTestDatabase,
  databaseExists,
  requirePostgres,
  type TestDatabase,
} from "../../support/postgres.ts";

const ok = await requirePostgres();

describe.skipIf(!ok)("fresh test databases", () => {
  let a: TestDatabase;
  let b: TestDatabase;
  beforeAll(async () => {
    [a, b] = await Promise.all([createTestDatabase(), createTestDatabase()]);
  });
  afterAll(async () => {
    await a?.drop();
    await b?.drop();
  });

  it("are uniquely named and migrated", async () => {
    expect(a.name).not.toBe(b.name);
    expect(a.name).toMatch(/^ksp_test_\d+_[0-9a-f]{8}$/);
    const database = await openNodePostgres(a.url);
    try {
      expect(await migrationStatus(database)).toMatchObject({ current: true, pending: [] });
    } finally {
      await database.close();
    }
  });

  it("are isolated from each other", async () => {
    const ca = new pg.Client({ connectionString: a.url });
    const cb = new pg.Client({ connectionString: b.url });
    await Promise.all([ca.connect(), cb.connect()]);
    try {
      await ca.query("insert into clusters (name) values ('only-in-a')");
      const inA = await ca.query("select count(*)::int as n from clusters where name = 'only-in-a'");
      const inB = await cb.query("select count(*)::int as n from clusters where name = 'only-in-a'");
      expect(inA.rows[0].n).toBe(1);
      expect(inB.rows[0].n).toBe(0);
    } finally {
      await Promise.all([ca.end(), cb.end()]);
    }
  });

  it("can be created without migrations", async () => {
    const bare = await createTestDatabase({ migrated: false });
    try {
      const database = await openNodePostgres(bare.url);
      try {
        expect(await migrationStatus(database)).toMatchObject({ current: false, applied: 0 });
      } finally {
        await database.close();
      }
    } finally {
      await bare.drop();
    }
  });

  it("are dropped on teardown even with a connection still open", async () => {
    const doomed = await createTestDatabase({ migrated: false });
    const lingering = new pg.Client({ connectionString: doomed.url });
    lingering.on("error", () => {}); // the forced drop terminates it
    await lingering.connect();
    expect(await databaseExists(doomed.name)).toBe(true);
    await doomed.drop();
    expect(await databaseExists(doomed.name)).toBe(false);
    await lingering.end().catch(() => {});
  });
});
