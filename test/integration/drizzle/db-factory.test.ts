import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { chooseDriver, openDatabase } from "../../../drizzle/client.ts";
import { DatabaseOpenError } from "../../../drizzle/errors.ts";
import { migrateDatabase, migrationStatus } from "../../../drizzle/migrate.ts";
import { clusters } from "../../../drizzle/schema/index.ts";
import { ADMIN_URL, requirePostgres } from "../../support/postgres.ts";
import { recordUsage } from "../../support/usage.ts";

describe("chooseDriver", () => {
  it.each([
    ["worker", "postgres://u:p@db.example/ksp", "neon"],
    ["worker", undefined, "neon"],
    ["node", "postgres://u:p@127.0.0.1/ksp", "node-postgres"],
    ["node", undefined, "pglite"],
    ["node", "", "pglite"],
  ] as const)("%s with DATABASE_URL=%s → %s", (runtime, databaseUrl, expected) => {
    expect(chooseDriver({ runtime, databaseUrl })).toBe(expected);
  });
});

describe("openDatabase with embedded PGlite", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it("persists under <dataDir>/pglite across reopen", async () => {
    recordUsage("driver", "pglite");
    const dataDir = await mkdtemp(join(tmpdir(), "ksp-pglite-"));
    dirs.push(dataDir);
    const first = await openDatabase({ runtime: "node", dataDir });
    expect(first.driver).toBe("pglite");
    expect(first.describe()).toBe(`pglite (${join(dataDir, "pglite")})`);
    await migrateDatabase(first);
    await first.db.insert(clusters).values({ name: "survives-restart" });
    await first.close();
    expect(await readdir(join(dataDir, "pglite"))).toContain("PG_VERSION");

    const second = await openDatabase({ runtime: "node", dataDir });
    try {
      expect(await migrationStatus(second)).toMatchObject({ current: true });
      const names = (await second.db.select({ name: clusters.name }).from(clusters)).map((c) => c.name);
      expect(names).toEqual(["survives-restart"]);
    } finally {
      await second.close();
    }
  }, 60_000);
});

describe("openDatabase faults", () => {
  const failure = (p: Promise<unknown>) =>
    p.then(
      () => {
        throw new Error("expected openDatabase to fail");
      },
      (e: unknown) => e as DatabaseOpenError,
    );

  it.each(["mysql://u:secret@host/db", "not a url", "postgres://"])(
    "rejects DATABASE_URL=%s",
    async (url) => {
      const err = await failure(openDatabase({ runtime: "node", databaseUrl: url }));
      expect(err).toBeInstanceOf(DatabaseOpenError);
      expect(err.code).toBe("dependency_unavailable");
      expect(err.message).toBe("DATABASE_URL is not a valid postgres URL");
    },
  );

  it("names an unreachable server without its password", async () => {
    const err = await failure(
      openDatabase({ runtime: "node", databaseUrl: "postgres://ksp:hunter2@127.0.0.1:1/ksp" }),
    );
    expect(err.code).toBe("dependency_unavailable");
    expect(err.message).toBe("database unreachable at 127.0.0.1:1/ksp: connection refused");
    expect(JSON.stringify({ m: err.message, d: err.details })).not.toContain("hunter2");
  });

  it("requires DATABASE_URL on Workers", async () => {
    const err = await failure(openDatabase({ runtime: "worker" }));
    expect(err.code).toBe("dependency_unavailable");
  });
});

const postgresOk = await requirePostgres();

describe.skipIf(!postgresOk)("openDatabase with DATABASE_URL", () => {
  it("opens node-postgres and describes it without credentials", async () => {
    // the local server trusts 127.0.0.1, so the password is carried but never checked
    const url = new URL(ADMIN_URL);
    url.password = "hunter2";
    const database = await openDatabase({ runtime: "node", databaseUrl: url.toString() });
    try {
      expect(database.driver).toBe("node-postgres");
      expect(database.describe()).toBe(
        `node-postgres (${url.hostname}:${url.port || 5432}/${url.pathname.slice(1)})`,
      );
      expect(database.describe()).not.toContain("hunter2");
    } finally {
      await database.close();
    }
  });

  it("reports a missing database as such", async () => {
    const url = new URL(ADMIN_URL);
    url.pathname = "/ksp_no_such_database_ever";
    const err = await openDatabase({ runtime: "node", databaseUrl: url.toString() }).then(
      () => undefined,
      (e: unknown) => e as DatabaseOpenError,
    );
    expect(err?.code).toBe("dependency_unavailable");
    expect(err?.message).toMatch(/: database does not exist$/);
  });
});
