/**
 * The Node entry as people run it: a child process of what `npm start` runs
 * (test/support/node-server.ts; node is called directly so npm's own
 * warnings do not mix into stderr), on a free port, with its own data
 * directory. SIGTERM goes straight to the server, as it does under `npm start`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import pg from "pg";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDatabase } from "../../../drizzle/client.ts";
import { apiTokens } from "../../../drizzle/schema/index.ts";
import { generateToken, hashToken } from "../../../functions/lib/tokens.ts";
import { killNodeServers, type NodeServerProcess, spawnNodeServer } from "../../support/node-server.ts";
import { createTestDatabase, requirePostgres, type TestDatabase } from "../../support/postgres.ts";
import { recordUsage } from "../../support/usage.ts";

// A generous ceiling for "it comes up at all"; the 15 s start-up target is measured by
// `npm run bench -- startup`, not asserted here, because a loaded CI machine must not flake it.
const HEALTHZ_BUDGET_MS = 90_000;
const TOKEN_LINE = /KSP_BOOTSTRAP_ADMIN_TOKEN=(ksp_adm_[A-Za-z0-9_-]+)/g;

type Server = NodeServerProcess;

const tempDirs: string[] = [];

function tempDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "ksp-node-entry-"));
  tempDirs.push(dir);
  return dir;
}

function startServer(env: Record<string, string>): Promise<Server> {
  return spawnNodeServer({ KSP_SCHEDULER_INTERVAL_SECONDS: "1", ...env });
}

/** Polls /healthz; resolves with the milliseconds it took, or throws with the server's output. */
async function waitForHealthz(server: Server, budgetMs: number, startedAt: number): Promise<number> {
  let exitCode: number | null | undefined;
  server.exited.then((code) => {
    exitCode = code;
  });
  while (Date.now() - startedAt < budgetMs) {
    if (exitCode !== undefined) break;
    try {
      const res = await fetch(`http://127.0.0.1:${server.port}/healthz`);
      if (res.status === 200) return Date.now() - startedAt;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `no /healthz 200 within ${budgetMs} ms (exit ${exitCode})\nstdout:\n${server.stdout()}\nstderr:\n${server.stderr()}`,
  );
}

async function stop(server: Server): Promise<number | null> {
  server.child.kill("SIGTERM");
  return server.exited;
}

afterAll(async () => {
  await killNodeServers();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** Starts on `dataDir`, waits for /healthz and returns the running server with the admin tokens it printed. */
async function startOn(dataDir: string): Promise<{ server: Server; tookMs: number; tokens: string[] }> {
  const startedAt = Date.now();
  const server = await startServer({ KSP_DATA_DIR: dataDir });
  const tookMs = await waitForHealthz(server, HEALTHZ_BUDGET_MS, startedAt);
  const tokens = [...server.stdout().matchAll(TOKEN_LINE)].map((m) => m[1]!);
  return { server, tookMs, tokens };
}

// Each test has its own data dir: the warm start makes its own first start rather than reuse another test's.
describe("node entry, embedded (PGlite)", () => {
  it("answers /healthz on a fresh data dir, prints the admin token once and stores only its hash", async () => {
    recordUsage("driver", "pglite");
    const dataDir = tempDataDir();
    const { server, tookMs, tokens } = await startOn(dataDir);
    console.log(`[node-entry] fresh start: /healthz 200 after ${tookMs} ms`);

    const res = await fetch(`http://127.0.0.1:${server.port}/healthz`);
    expect(res.headers.get("x-request-id")).toBeTruthy();
    expect(await res.json()).toEqual({ status: "ok" });

    const ready = await fetch(`http://127.0.0.1:${server.port}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: "ready",
      checks: {
        database: { ok: true, driver: "pglite" },
        migrations: { ok: true },
        coordination: { ok: true },
      },
    });

    expect(tokens).toHaveLength(1);
    const printedToken = tokens[0]!;
    expect(printedToken).toMatch(/^ksp_adm_[A-Za-z0-9_-]{43}$/);
    // Only the marked line carries it; the JSON log lines never do.
    const logLines = server
      .stdout()
      .split("\n")
      .filter((l) => l.startsWith("{"));
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.join("\n")).not.toContain(printedToken);

    expect(await stop(server)).toBe(0);
    expect(server.stderr()).toBe("");

    // the data dir is free again once the server exited: only the printed token's hash is stored
    expect(printedToken).not.toBe("");
    const database = await openDatabase({ runtime: "node", dataDir });
    try {
      const rows = await database.db.select().from(apiTokens);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ name: "bootstrap-admin", role: "admin", revokedAt: null });
      expect(rows[0]?.tokenHash).toBe(await hashToken(printedToken));
      expect(JSON.stringify(rows)).not.toContain(printedToken);
    } finally {
      await database.close();
    }
  }, 120_000);

  it("does not print a token again on the next start", async () => {
    const dataDir = tempDataDir();
    // the first start on this data dir prints its token
    const first = await startOn(dataDir);
    expect(first.tokens).toHaveLength(1);
    expect(await stop(first.server)).toBe(0);

    const { server, tookMs } = await startOn(dataDir);
    console.log(`[node-entry] warm start: /healthz 200 after ${tookMs} ms`);
    expect(server.stdout()).not.toMatch(TOKEN_LINE);
    expect(server.stdout()).toContain('"bootstrapAdmin":"existing"');
    // The in-process scheduler ticks (every second here) and runs the registered jobs.
    await expect.poll(() => server.stdout(), { timeout: 10_000 }).toContain('"msg":"scheduler heartbeat"');
    expect(await stop(server)).toBe(0);
  }, 240_000);
});

describe("node entry, start-up faults", () => {
  it.each([
    ["malformed DATABASE_URL", "notaurl"],
    ["unreachable database", "postgres://u:secretpw@127.0.0.1:1/x"],
  ])(
    "%s: exit 1 with one line on stderr, no stack, no password",
    async (_name, url) => {
      const server = await startServer({ KSP_DATA_DIR: tempDataDir(), DATABASE_URL: url });
      expect(await server.exited).toBe(1);
      const stderr = server.stderr();
      expect(stderr).toMatch(/^ksp: cannot start: .+\n$/);
      expect(stderr.trim().split("\n")).toHaveLength(1);
      expect(stderr).not.toMatch(/\n\s+at /);
      expect(`${stderr}${server.stdout()}`).not.toContain("secretpw");
    },
    60_000,
  );

  it("reports each invalid variable on its own line", async () => {
    const server = await startServer({
      PORT: "x",
      LOG_LEVEL: "loud",
      KSP_ADMIN_TOKEN: "too-short-secretpw",
      // "secretpw" in base64: 8 bytes, not 32
      KSP_ENCRYPTION_KEYS: "k1:c2VjcmV0cHc=",
    });
    expect(await server.exited).toBe(1);
    const lines = server.stderr().trim().split("\n");
    expect(lines.sort()).toEqual([
      "ksp: cannot start: KSP_ADMIN_TOKEN: must be ksp_adm_ followed by 32 to 256 characters of A-Z a-z 0-9 _ -",
      'ksp: cannot start: KSP_ENCRYPTION_KEYS: entry 1 (id "k1"): the key must be 32 bytes after base64 decoding, not 8',
      "ksp: cannot start: LOG_LEVEL: must be one of debug, info, warn, error",
      "ksp: cannot start: PORT: must be a whole number between 0 and 65535",
    ]);
    expect(server.stderr()).not.toContain("secretpw");
    expect(server.stderr()).not.toContain("c2VjcmV0cHc");
  }, 30_000);
});

const postgresOk = await requirePostgres();

// A fresh, unmigrated database per test: the rotation test makes its own first start.
describe.skipIf(!postgresOk)("node entry on Postgres with KSP_ADMIN_TOKEN", () => {
  let database: TestDatabase;
  beforeEach(async () => {
    database = await createTestDatabase({ migrated: false });
  });
  afterEach(async () => {
    await database?.drop();
  });

  /** Starts on the test's database with `token` as KSP_ADMIN_TOKEN and waits for /healthz. */
  async function startWithToken(token: string): Promise<Server> {
    const startedAt = Date.now();
    const server = await startServer({ DATABASE_URL: database.url, KSP_ADMIN_TOKEN: token });
    await waitForHealthz(server, HEALTHZ_BUDGET_MS, startedAt);
    return server;
  }

  it("migrates on start, honours the configured token, and prints none", async () => {
    recordUsage("driver", "node-postgres");
    const token = generateToken("api");
    const server = await startWithToken(token);
    expect(server.stdout()).not.toMatch(TOKEN_LINE);
    expect(server.stdout()).not.toContain(token);
    const ready = await fetch(`http://127.0.0.1:${server.port}/readyz`);
    expect(await ready.json()).toMatchObject({
      status: "ready",
      checks: { database: { driver: "node-postgres" } },
    });

    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query("select name, role, token_hash, revoked_at from api_tokens");
      expect(rows).toEqual([
        { name: "bootstrap-admin", role: "admin", token_hash: await hashToken(token), revoked_at: null },
      ]);
    } finally {
      await client.end();
    }
    expect(await stop(server)).toBe(0);
  }, 120_000);

  it("rotates: a new KSP_ADMIN_TOKEN revokes the previous bootstrap token", async () => {
    // the previous bootstrap token, from a first start with another KSP_ADMIN_TOKEN
    expect(await stop(await startWithToken(generateToken("api")))).toBe(0);

    const token = generateToken("api");
    const server = await startWithToken(token);
    expect(await stop(server)).toBe(0);
    const opened = await openDatabase({ runtime: "node", databaseUrl: database.url });
    try {
      const rows = await opened.db.select().from(apiTokens).where(eq(apiTokens.name, "bootstrap-admin"));
      const live = rows.filter((r) => r.revokedAt === null);
      expect(rows).toHaveLength(2);
      expect(live.map((r) => r.tokenHash)).toEqual([await hashToken(token)]);
    } finally {
      await opened.close();
    }
  }, 240_000);
});
