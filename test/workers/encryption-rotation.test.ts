/**
 * Rotation inside workerd (the bundled Worker via Miniflare, Postgres through
 * the Neon proxy, Upstash through the bridge): secrets stored under k1 by the
 * real stores, a Worker given KSP_ENCRYPTION_KEYS=k2,k1 moves them all to k2
 * on its cron (WebCrypto in workerd), GET /v1/encryption shows nothing
 * pending, and the next cron runs no batch (that idle ticks lease no
 * database is shown by the job's own test, which counts leases). A Worker
 * with no keys at all has no start to refuse: its GET /v1/encryption says
 * which key ids it cannot read instead.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openNodePostgres } from "../../drizzle/drivers/node-postgres.ts";
import { apiTokens } from "../../drizzle/schema/index.ts";
import { Keyring } from "../../functions/lib/crypto/keyring.ts";
import { generateToken, hashToken, tokenDisplayPrefix } from "../../functions/lib/tokens.ts";
import { type NeonProxy, startNeonProxy } from "../support/neon-proxy.ts";
import { createTestDatabase, requirePostgres, type TestDatabase } from "../support/postgres.ts";
import {
  keysVariable,
  openStored,
  type StoredSecret,
  secretsContext,
  storedKeyIdsById,
  storeSecrets,
  testKey,
} from "../support/sealed-values.ts";
import { redisAvailable, startUpstashBridge, type UpstashBridge } from "../support/upstash-bridge.ts";
import { recordUsage } from "../support/usage.ts";
import { startWorker, type WorkerHarness } from "../support/worker-harness.ts";

const BASE = "http://ksp.test";
const servicesOk = (await redisAvailable()) && (await requirePostgres());

describe.skipIf(!servicesOk)("encryption rotation in workerd", { timeout: 120_000 }, () => {
  const k1 = testKey("k1");
  const k2 = testKey("k2");
  let database: TestDatabase;
  let proxy: NeonProxy;
  let bridge: UpstashBridge;
  let stored: StoredSecret[];
  let admin: string;
  const harnesses: WorkerHarness[] = [];

  beforeAll(async () => {
    recordUsage("service", "workerd (miniflare)");
    database = await createTestDatabase();
    proxy = await startNeonProxy();
    bridge = await startUpstashBridge();
    const db = await openNodePostgres(database.url);
    try {
      stored = await storeSecrets(secretsContext(db.db, new Keyring([k1])), { sshKeys: 2, kubeconfigs: 2 });
      admin = generateToken("api");
      await db.db.insert(apiTokens).values({
        name: "encryption-admin",
        tokenHash: await hashToken(admin),
        displayPrefix: tokenDisplayPrefix(admin),
        role: "admin",
      });
    } finally {
      await db.close();
    }
  });
  afterAll(async () => {
    for (const h of harnesses) await h.dispose();
    await proxy?.close();
    await bridge?.close();
    await database?.drop();
  });

  const worker = async (extra: Record<string, string>) => {
    const harness = await startWorker({
      DATABASE_URL: database.url,
      NEON_WS_PROXY: `127.0.0.1:${proxy.port}/v1`,
      UPSTASH_REDIS_REST_URL: bridge.url,
      UPSTASH_REDIS_REST_TOKEN: bridge.token,
      KSP_COORDINATION_PREFIX: `kspenc${process.pid}:`,
      ...extra,
    });
    harnesses.push(harness);
    return harness;
  };
  const status = async (harness: WorkerHarness) => {
    const res = await harness.mf.dispatchFetch(`${BASE}/v1/encryption`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(res.status).toBe(200);
    return res.json();
  };

  it("without keys it says what it cannot read; with [k2, k1] its cron moves everything to k2, then idles", async () => {
    const bare = await worker({});
    expect(await status(bare)).toMatchObject({
      currentKeyId: null,
      pendingRotation: 4,
      unknownKeyIds: ["k1"],
    });
    await bare.dispose();
    harnesses.pop();

    const keyed = await worker({ KSP_ENCRYPTION_KEYS: keysVariable([k2, k1]) });
    const handlers = await keyed.handlers();
    expect((await handlers.scheduled({ cron: "* * * * *" })).outcome).toBe("ok");
    const db = await openNodePostgres(database.url);
    try {
      expect([...(await storedKeyIdsById(db.db)).values()]).toEqual(["k2", "k2", "k2", "k2"]);
      const k2only = secretsContext(db.db, new Keyring([k2]));
      for (const value of stored) expect(await openStored(k2only, value)).toBe(value.secret);
    } finally {
      await db.close();
    }
    expect(await status(keyed)).toMatchObject({ currentKeyId: "k2", pendingRotation: 0, unknownKeyIds: [] });
    const batches = () => keyed.logs.filter((l) => l.msg === "encryption rotation batch").length;
    expect(batches()).toBe(2);

    expect((await handlers.scheduled({ cron: "* * * * *" })).outcome).toBe("ok");
    expect(batches()).toBe(2);
    const logged = JSON.stringify(keyed.logs);
    for (const value of stored) expect(logged).not.toContain(value.secret.slice(40, 80));
  });
});
