/**
 * The node-postgres statement cache (drizzle/drivers/statement-cache.ts) on a
 * real Postgres: what ends up in the connection's pg_prepared_statements, the
 * capacity, and recovery when Postgres refuses a statement it prepared.
 */
import { sql } from "drizzle-orm";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resultRows } from "../../../drizzle/drivers/rows.ts";
import { installStatementCache } from "../../../drizzle/drivers/statement-cache.ts";
import { createTestDatabase, requirePostgres, type TestDatabase } from "../../support/postgres.ts";

const ok = await requirePostgres();

describe.skipIf(!ok)("statement cache on real Postgres", () => {
  let database: TestDatabase;
  const pools: pg.Pool[] = [];
  beforeAll(async () => {
    database = await createTestDatabase({ migrated: false });
  });
  afterAll(async () => {
    for (const pool of pools) await pool.end();
    await database?.drop();
  });

  /** one pooled connection, so every query below shares its session */
  function poolWith(capacity: number): pg.Pool {
    const pool = new pg.Pool({ connectionString: database.url, max: 1 });
    // dropping the database at the end terminates connections that are still closing
    pool.on("error", () => {});
    installStatementCache(pool, capacity);
    pools.push(pool);
    return pool;
  }
  const prepared = async (client: pg.PoolClient) =>
    (
      await client.query<{ statement: string }>(
        "select statement from pg_prepared_statements order by statement",
      )
    ).rows.map((r) => r.statement.trim());

  it("prepares a parameterised text on its second use, and nothing that ran once or had no parameters", async () => {
    const client = await poolWith(8).connect();
    try {
      await client.query("select $1::int as once", [1]);
      await client.query("select 1 as no_params");
      await client.query("select 1 as no_params");
      expect(await prepared(client)).toEqual([]);
      const first = await client.query("select $1::int + 1 as hot", [1]);
      const second = await client.query({ text: "select $1::int + 1 as hot", values: [41] });
      expect(first.rows).toEqual([{ hot: 2 }]);
      expect(second.rows).toEqual([{ hot: 42 }]);
      expect(await prepared(client)).toEqual(["select $1::int + 1 as hot"]);
      // later uses reuse it rather than preparing again
      const third = await client.query("select $1::int + 1 as hot", [9]);
      expect(third.rows).toEqual([{ hot: 10 }]);
      expect(await prepared(client)).toHaveLength(1);
    } finally {
      client.release();
    }
  });

  it("names at most `capacity` texts; the rest keep running unnamed", async () => {
    const client = await poolWith(2).connect();
    try {
      for (const n of [1, 2, 3]) {
        for (let i = 0; i < 3; i++) {
          const { rows } = await client.query(`select $1::int * ${n} as v`, [i]);
          expect(rows).toEqual([{ v: i * n }]);
        }
      }
      expect(await prepared(client)).toEqual(["select $1::int * 1 as v", "select $1::int * 2 as v"]);
    } finally {
      client.release();
    }
  });

  it("capacity 0 leaves the pool as it was", async () => {
    const client = await poolWith(0).connect();
    try {
      for (let i = 0; i < 3; i++) await client.query("select $1::int as v", [i]);
      expect(await prepared(client)).toEqual([]);
    } finally {
      client.release();
    }
  });

  it("works with callbacks, as pg-pool's own query uses them", async () => {
    const pool = poolWith(4);
    const viaCallback = (value: number) =>
      new Promise<unknown>((resolve, reject) =>
        pool.query("select $1::int as v", [value], (err, res) => (err ? reject(err) : resolve(res.rows))),
      );
    expect(await viaCallback(1)).toEqual([{ v: 1 }]);
    expect(await viaCallback(2)).toEqual([{ v: 2 }]);
    const client = await pool.connect();
    try {
      expect(await prepared(client)).toEqual(["select $1::int as v"]);
    } finally {
      client.release();
    }
  });

  it("a statement Postgres no longer has fails once, then is parsed again", async () => {
    const client = await poolWith(4).connect();
    try {
      const text = "select $1::text as word";
      await client.query(text, ["a"]);
      await client.query(text, ["b"]);
      expect(await prepared(client)).toEqual([text]);
      // what a transaction-mode pooler switching server connections, or DISCARD ALL, does
      await client.query("deallocate all");
      await expect(client.query(text, ["c"])).rejects.toMatchObject({ code: "26000" });
      const { rows } = await client.query(text, ["d"]);
      expect(rows).toEqual([{ word: "d" }]);
      expect(await prepared(client)).toEqual([text]);
    } finally {
      client.release();
    }
  });

  it("a schema change that alters a prepared result fails once, then the new shape is served", async () => {
    const client = await poolWith(4).connect();
    try {
      await client.query("create table widgets (id int primary key, name text)");
      await client.query("insert into widgets values (1, 'one')");
      const text = "select * from widgets where id = $1";
      await client.query(text, [1]);
      await client.query(text, [1]);
      await client.query("alter table widgets add column colour text default 'red'");
      await expect(client.query(text, [1])).rejects.toMatchObject({ code: "0A000" });
      const { rows } = await client.query(text, [1]);
      expect(rows).toEqual([{ id: 1, name: "one", colour: "red" }]);
    } finally {
      client.release();
    }
  });

  it("is on for the node-postgres driver by default: a drizzle statement run twice is prepared", async () => {
    const { openNodePostgres } = await import("../../../drizzle/drivers/node-postgres.ts");
    const opened = await openNodePostgres(database.url, { maxConnections: 1 });
    try {
      for (let i = 0; i < 2; i++) await opened.db.execute(sql`select ${i}::int as drizzle_hot`);
      const rows = resultRows<{ statement: string }>(
        await opened.db.execute(sql`select statement from pg_prepared_statements`),
      );
      expect(rows.map((r) => r.statement.trim())).toEqual(["select $1::int as drizzle_hot"]);
    } finally {
      await opened.close();
    }
  });
});
