/**
 * The bootstrap-admin contract on Workers (issue 17): the BUNDLED Worker in
 * workerd, on real Postgres through the Neon proxy stand-in and real Redis
 * through the Upstash bridge, given only DATABASE_URL, Upstash and
 * KSP_ADMIN_TOKEN, serves /v1 with that token; concurrent first requests mint
 * one row; a new isolate trusts the coordination marker instead of Postgres;
 * rotating the variable revokes the old token. Plus the once-per-isolate
 * reports: no token configured, and variables the Worker ignores.
 */
import { and, eq, isNull } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Database, openDatabase } from "../../drizzle/client.ts";
import { openNodePostgres } from "../../drizzle/drivers/node-postgres.ts";
import { migrateDatabase } from "../../drizzle/migrate.ts";
import { apiTokens, auditLogs } from "../../drizzle/schema/index.ts";
import { NO_ADMIN_TOKEN } from "../../functions/composition/worker.ts";
import { IGNORED_VARIABLES_WARNING } from "../../functions/env.ts";
import { UpstashCoordination } from "../../functions/lib/coordination/upstash.ts";
import { generateToken, hashToken } from "../../functions/lib/tokens.ts";
import { bootstrapMarkerKey } from "../../functions/services/bootstrap/worker-bootstrap.ts";
import { type NeonProxy, startNeonProxy } from "../support/neon-proxy.ts";
import { createTestDatabase, requirePostgres, type TestDatabase } from "../support/postgres.ts";
import { redisAvailable, startUpstashBridge, type UpstashBridge } from "../support/upstash-bridge.ts";
import { startWorker, type WorkerHarness } from "../support/worker-harness.ts";

const BASE = "http://ksp.test";
const servicesOk = (await redisAvailable()) && (await requirePostgres());

describe.skipIf(!servicesOk)("bootstrap admin token on Workers", () => {
  const prefix = `kspboot${process.pid}:`;
  let database: TestDatabase;
  let db: Database;
  let proxy: NeonProxy;
  let bridge: UpstashBridge;
  let coordination: UpstashCoordination;
  const harnesses: WorkerHarness[] = [];

  /** A fresh Worker (a new isolate), given only the database, Upstash and what `extra` adds. */
  async function worker(extra: Record<string, string>, databaseUrl = database.url): Promise<WorkerHarness> {
    const harness = await startWorker({
      DATABASE_URL: databaseUrl,
      NEON_WS_PROXY: `127.0.0.1:${proxy.port}/v1`,
      UPSTASH_REDIS_REST_URL: bridge.url,
      UPSTASH_REDIS_REST_TOKEN: bridge.token,
      KSP_COORDINATION_PREFIX: prefix,
      ...extra,
    });
    harnesses.push(harness);
    return harness;
  }

  const clusters = (harness: WorkerHarness, token: string) =>
    harness.mf.dispatchFetch(`${BASE}/v1/clusters`, { headers: { authorization: `Bearer ${token}` } });

  const bootstrapRows = () =>
    db.db
      .select({ hash: apiTokens.tokenHash, revokedAt: apiTokens.revokedAt, role: apiTokens.role })
      .from(apiTokens)
      .where(eq(apiTokens.name, "bootstrap-admin"));

  const configuredAudits = async () =>
    (await db.db.select().from(auditLogs).where(eq(auditLogs.action, "api_token.bootstrap_configured")))
      .length;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = await openNodePostgres(database.url);
    proxy = await startNeonProxy();
    bridge = await startUpstashBridge();
    coordination = new UpstashCoordination(bridge, { prefix });
  });
  afterAll(async () => {
    for (const harness of harnesses) await harness.dispose();
    await db?.close();
    await proxy?.close();
    await bridge?.close();
    await database?.drop();
  });

  const first = generateToken("api");
  const second = generateToken("api");

  it("serves /v1/clusters with KSP_ADMIN_TOKEN; concurrent first requests mint one row; a wrong token is 401", async () => {
    const harness = await worker({ KSP_ADMIN_TOKEN: first });
    const answers = await Promise.all([clusters(harness, first), clusters(harness, first)]);
    for (const res of answers) expect(res.status, await res.clone().text()).toBe(200);
    expect(await bootstrapRows()).toEqual([{ hash: await hashToken(first), revokedAt: null, role: "admin" }]);
    // one bootstrap transaction for both requests (they shared the isolate's one run)
    expect(await configuredAudits()).toBe(1);
    expect(await coordination.cacheGet(bootstrapMarkerKey(await hashToken(first)))).not.toBeNull();

    const wrong = await clusters(harness, generateToken("api"));
    expect(wrong.status).toBe(401);
    // the token itself never reaches a log line
    expect(JSON.stringify(harness.logs)).not.toContain(first.slice(8));
  });

  it("a new isolate with the same token reads the marker instead of running the transaction again", async () => {
    const harness = await worker({ KSP_ADMIN_TOKEN: first });
    const res = await clusters(harness, first);
    expect(res.status).toBe(200);
    expect(await configuredAudits()).toBe(1);
    expect(await bootstrapRows()).toHaveLength(1);
  });

  it("rotating KSP_ADMIN_TOKEN (a new Worker environment) revokes the old token; going back works at once", async () => {
    const rotated = await worker({ KSP_ADMIN_TOKEN: second });
    expect((await clusters(rotated, second)).status).toBe(200);
    expect((await clusters(rotated, first)).status).toBe(401);
    const rows = await bootstrapRows();
    const byHash = new Map(rows.map((r) => [r.hash, r]));
    expect(byHash.get(await hashToken(first))?.revokedAt).not.toBeNull();
    expect(byHash.get(await hashToken(second))?.revokedAt).toBeNull();
    // the revoked token's marker is gone, so a Worker given it back re-runs the bootstrap
    expect(await coordination.cacheGet(bootstrapMarkerKey(await hashToken(first)))).toBeNull();

    const back = await worker({ KSP_ADMIN_TOKEN: first });
    expect((await clusters(back, first)).status).toBe(200);
    expect((await clusters(back, second)).status).toBe(401);
    const live = await db.db
      .select({ hash: apiTokens.tokenHash })
      .from(apiTokens)
      .where(and(eq(apiTokens.name, "bootstrap-admin"), isNull(apiTokens.revokedAt)));
    expect(live).toEqual([{ hash: await hashToken(first) }]);
  });

  it("a failed bootstrap is not kept: the next admin request retries it", async () => {
    // not migrated yet: the first attempt fails (no api_tokens table), as with a database still empty
    const late = await createTestDatabase({ migrated: false });
    try {
      const token = generateToken("api");
      const harness = await worker({ KSP_ADMIN_TOKEN: token }, late.url);
      const before = await clusters(harness, token);
      expect(before.status).not.toBe(200);
      await expect
        .poll(() =>
          harness.logs.some((l) => String(l.msg).startsWith("bootstrap admin token not set up yet")),
        )
        .toBe(true);

      const database = await openDatabase({ runtime: "node", databaseUrl: late.url });
      try {
        await migrateDatabase(database);
      } finally {
        await database.close();
      }
      const after = await clusters(harness, token);
      expect(after.status, await after.clone().text()).toBe(200);
      // the failure's log line names the cause, never the token
      expect(JSON.stringify(harness.logs)).not.toContain(token.slice(8));
    } finally {
      for (const harness of harnesses.splice(-1)) await harness.dispose();
      await late.drop();
    }
  });

  it("without KSP_ADMIN_TOKEN generates nothing and says once how to set one", async () => {
    const before = await bootstrapRows();
    const harness = await worker({});
    for (let i = 0; i < 2; i++) expect((await clusters(harness, generateToken("api"))).status).toBe(401);
    expect(await bootstrapRows()).toEqual(before);
    await expect.poll(() => harness.logs.filter((l) => l.msg === NO_ADMIN_TOKEN).length).toBe(1);
    expect(NO_ADMIN_TOKEN).toContain("wrangler secret put KSP_ADMIN_TOKEN");
  });

  it("reports variables it ignores, once, by name only, suggesting the name meant", async () => {
    const harness = await worker({
      KSP_ADMIN_TOKNE: first,
      KSP_DATA_DIR: "/var/lib/ksp-secret-dir",
      PORT: "8080",
    });
    for (let i = 0; i < 2; i++) expect((await harness.mf.dispatchFetch(`${BASE}/healthz`)).status).toBe(200);
    const warnings = harness.logs.filter((l) => l.msg === IGNORED_VARIABLES_WARNING);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      level: "warn",
      variables: [
        "KSP_ADMIN_TOKNE (unknown; did you mean KSP_ADMIN_TOKEN?)",
        "KSP_DATA_DIR (read on Node only)",
        "PORT (read on Node only)",
      ],
    });
    const logged = JSON.stringify(harness.logs);
    expect(logged).not.toContain(first.slice(8));
    expect(logged).not.toContain("ksp-secret-dir");
  });
});

describe("a Worker whose required variable is misspelt", () => {
  let harness: WorkerHarness;
  afterAll(() => harness?.dispose());

  it("fails every request and names the misspelt variable beside the missing one", async () => {
    harness = await startWorker({
      DATABSE_URL: "postgres://ksp:hunter2@db.example/ksp",
      UPSTASH_REDIS_REST_URL: "https://redis.example",
      UPSTASH_REDIS_REST_TOKEN: "t",
    });
    expect((await harness.mf.dispatchFetch(`${BASE}/healthz`)).status).toBe(500);
    await expect
      .poll(() => harness.logs.find((l) => l.msg === IGNORED_VARIABLES_WARNING))
      .toMatchObject({
        variables: ["DATABSE_URL (unknown; did you mean DATABASE_URL?)"],
      });
    expect(JSON.stringify(harness.logs)).toContain("DATABASE_URL: is required in the Worker");
    expect(JSON.stringify(harness.logs)).not.toContain("hunter2");
  });
});
