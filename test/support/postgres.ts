/**
 * Fresh, migrated Postgres databases for integration tests: one uniquely named
 * database per test file on the local server (or TEST_DATABASE_URL as the
 * admin connection), dropped on teardown even if connections linger.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { openDatabase } from "../../drizzle/client.ts";
import { describeTarget, parsePostgresUrl } from "../../drizzle/drivers/connection-url.ts";
import { migrateDatabase } from "../../drizzle/migrate.ts";
import { requireService } from "./services.ts";

export const ADMIN_URL = process.env.TEST_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres";

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export function postgresReachable(): Promise<boolean> {
  return withAdmin(async (c) => (await c.query("select 1 as ok")).rows[0]?.ok === 1).catch(() => false);
}

/** `const ok = await requirePostgres(); describe.skipIf(!ok)(…)` — with CI=true a missing server fails. */
export function requirePostgres(): Promise<boolean> {
  return requireService("postgres", postgresReachable, describeTarget(parsePostgresUrl(ADMIN_URL)));
}

export function databaseUrl(name: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function createTestDatabase(opts: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const name = `ksp_test_${process.pid}_${randomBytes(4).toString("hex")}`;
  await withAdmin((c) => c.query(`create database "${name}"`));
  const url = databaseUrl(name);
  const drop = () =>
    withAdmin((c) => c.query(`drop database if exists "${name}" with (force)`)).then(() => {});
  if (opts.migrated ?? true) {
    try {
      const database = await openDatabase({ runtime: "node", databaseUrl: url });
      try {
        await migrateDatabase(database);
      } finally {
        await database.close();
      }
    } catch (err) {
      await drop();
      throw err;
    }
  }
  return { url, name, drop };
}

export async function databaseExists(name: string): Promise<boolean> {
  return withAdmin(
    async (c) => (await c.query("select 1 from pg_database where datname = $1", [name])).rowCount === 1,
  );
}
