import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openNodePostgres } from "../../../drizzle/drivers/node-postgres.ts";
import { migrateDatabase, migrationStatus } from "../../../drizzle/migrate.ts";
import { EXPECTED_MIGRATIONS } from "../../../drizzle/migration-status.ts";
import { createTestDatabase, requirePostgres, type TestDatabase } from "../../support/postgres.ts";
import { recordUsage } from "../../support/usage.ts";

const ROOT = resolve(import.meta.dirname, "../../..");
const TSX = join(ROOT, "node_modules/.bin/tsx");
const CLI = join(ROOT, "drizzle/migrate-cli.ts");

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `npm run db:migrate`'s script from an unrelated cwd, so folder resolution is part of the test. */
function runCli(env: Record<string, string | undefined>, cwd = tmpdir()): Promise<CliRun> {
  return new Promise((done) => {
    const childEnv = { ...process.env, ...env };
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete childEnv[k];
    execFile(TSX, [CLI], { cwd, env: childEnv, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

function expectOneLineFailure(run: CliRun, reason: RegExp) {
  expect(run.code).toBe(1);
  expect(run.stdout).toBe("");
  const lines = run.stderr.trimEnd().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(reason);
  expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
  expect(run.stderr).not.toContain("hunter2");
}

describe("db:migrate failures", () => {
  it("rejects a malformed DATABASE_URL in one line", async () => {
    const run = await runCli({ DATABASE_URL: "mysql://ksp:hunter2@127.0.0.1/ksp" });
    expectOneLineFailure(run, /^db:migrate failed: DATABASE_URL is not a valid postgres URL$/);
  });

  it("names an unreachable database in one line, without the password", async () => {
    const run = await runCli({ DATABASE_URL: "postgres://ksp:hunter2@127.0.0.1:1/ksp" });
    expectOneLineFailure(
      run,
      /^db:migrate failed: database unreachable at 127\.0\.0\.1:1\/ksp: connection refused$/,
    );
  });
});

describe("db:migrate on embedded PGlite", () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "ksp-migrate-"));
  });
  afterAll(async () => rm(dataDir, { recursive: true, force: true }));

  it("uses <KSP_DATA_DIR>/pglite when DATABASE_URL is unset", async () => {
    recordUsage("driver", "pglite");
    const run = await runCli({ DATABASE_URL: undefined, KSP_DATA_DIR: dataDir });
    expect(run.stderr).toBe("");
    expect(run.stdout).toBe(
      `migrations applied: ${EXPECTED_MIGRATIONS.length} (pglite ${join(dataDir, "pglite")})\n`,
    );
    expect(run.code).toBe(0);
  }, 60_000);
});

const postgresOk = await requirePostgres();

describe.skipIf(!postgresOk)("migrations on a fresh Postgres database", () => {
  let fresh: TestDatabase;
  beforeAll(async () => {
    recordUsage("driver", "node-postgres");
    fresh = await createTestDatabase({ migrated: false });
  });
  afterAll(async () => fresh?.drop());

  it("reports pending, then current after migrateDatabase (and migrating again is a no-op)", async () => {
    const database = await openNodePostgres(fresh.url);
    try {
      const tags = EXPECTED_MIGRATIONS.map((m) => m.tag);
      expect(tags).toContain("0000_init");
      expect(await migrationStatus(database)).toEqual({
        current: false,
        applied: 0,
        expected: tags.length,
        pending: tags,
      });
      await migrateDatabase(database);
      const after = { current: true, applied: tags.length, expected: tags.length, pending: [] };
      expect(await migrationStatus(database)).toEqual(after);
      await migrateDatabase(database);
      expect(await migrationStatus(database)).toEqual(after);
    } finally {
      await database.close();
    }
  });

  it("serialises concurrent migrators on one database (replicas starting together)", async () => {
    const shared = await createTestDatabase({ migrated: false });
    const opened = await Promise.all([1, 2, 3, 4].map(() => openNodePostgres(shared.url)));
    try {
      const results = await Promise.allSettled(opened.map((database) => migrateDatabase(database)));
      expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "fulfilled", "fulfilled"]);
      expect((await migrationStatus(opened[0]!)).current).toBe(true);
    } finally {
      await Promise.all(opened.map((database) => database.close()));
      await shared.drop();
    }
  });

  it("the CLI prints one line per outcome", async () => {
    const other = await createTestDatabase({ migrated: false });
    try {
      const target = `127.0.0.1:5432/${other.name}`;
      const first = await runCli({ DATABASE_URL: other.url });
      expect(first).toMatchObject({ code: 0, stderr: "" });
      expect(first.stdout).toBe(
        `migrations applied: ${EXPECTED_MIGRATIONS.length} (node-postgres ${target})\n`,
      );
      const second = await runCli({ DATABASE_URL: other.url });
      expect(second.stdout).toBe(
        `migrations up to date: ${EXPECTED_MIGRATIONS.length} (node-postgres ${target})\n`,
      );
    } finally {
      await other.drop();
    }
  });
});
