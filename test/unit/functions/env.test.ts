import { describe, expect, it } from "vitest";
import { parseNodeEnv, parseWorkerEnv } from "../../../functions/env.ts";
import { generateToken } from "../../../functions/lib/tokens.ts";
import { DEFAULT_POLICY } from "../../../functions/policy.ts";

const queue = { send: async () => {}, sendBatch: async () => {} };
const workerBase = {
  DATABASE_URL: "postgres://u:p@db.example:5432/ksp",
  UPSTASH_REDIS_REST_URL: "https://redis.example",
  UPSTASH_REDIS_REST_TOKEN: "tok",
  JOBS_QUEUE: queue,
};

describe("Node environment", () => {
  it("needs nothing: embedded defaults", () => {
    const r = parseNodeEnv({});
    expect(r).toEqual({
      ok: true,
      settings: {
        port: 8787,
        host: "127.0.0.1",
        databaseUrl: undefined,
        databaseStatementCacheSize: 256,
        dataDir: ".data",
        adminToken: undefined,
        schedulerIntervalMs: 60_000,
        trustedProxies: 0,
        logLevel: "info",
        coordinationPrefix: "ksp:",
        maxBodyBytes: 1_048_576,
        maxImportBytes: 16 * 1024 * 1024,
        upstash: undefined,
        policy: DEFAULT_POLICY,
        webhooks: { qstash: undefined, signingKeys: undefined, emailWebhookUrl: undefined },
      },
    });
  });

  it("reads the policy knobs and checks that offline comes after degraded", () => {
    const r = parseNodeEnv({
      KSP_RATE_LIMIT_PER_MINUTE: "10",
      KSP_RESERVATION_TTL_SECONDS: "120",
      KSP_HEARTBEAT_DEGRADED_SECONDS: "30",
      KSP_HEARTBEAT_OFFLINE_SECONDS: "90",
      KSP_RETENTION_DAYS: "7",
    });
    expect(r.ok && r.settings.policy).toMatchObject({
      rateLimitPerMinute: 10,
      reservationTtlMs: 120_000,
      heartbeatDegradedMs: 30_000,
      heartbeatOfflineMs: 90_000,
      retentionMs: 7 * 86_400_000,
    });
    expect(
      parseNodeEnv({ KSP_HEARTBEAT_DEGRADED_SECONDS: "600", KSP_HEARTBEAT_OFFLINE_SECONDS: "60" }),
    ).toEqual({
      ok: false,
      problems: ["KSP_HEARTBEAT_OFFLINE_SECONDS: must be greater than KSP_HEARTBEAT_DEGRADED_SECONDS"],
    });
    expect(parseNodeEnv({ KSP_RATE_LIMIT_PER_MINUTE: "lots" })).toMatchObject({ ok: false });
  });

  it("reads every variable it knows, treating empty as unset", () => {
    const token = generateToken("api");
    const r = parseNodeEnv({
      PORT: "9000",
      HOST: "0.0.0.0",
      DATABASE_URL: "postgresql://ksp@127.0.0.1/ksp",
      DATABASE_STATEMENT_CACHE_SIZE: "0",
      KSP_DATA_DIR: "/var/lib/ksp",
      KSP_ADMIN_TOKEN: token,
      UPSTASH_REDIS_REST_URL: "https://x.upstash.io",
      UPSTASH_REDIS_REST_TOKEN: "abc",
      LOG_LEVEL: "debug",
      KSP_MAX_BODY_BYTES: "2048",
      QSTASH_TOKEN: "",
    });
    expect(r.ok && r.settings).toMatchObject({
      port: 9000,
      host: "0.0.0.0",
      databaseUrl: "postgresql://ksp@127.0.0.1/ksp",
      databaseStatementCacheSize: 0,
      dataDir: "/var/lib/ksp",
      adminToken: token,
      upstash: { url: "https://x.upstash.io", token: "abc" },
      logLevel: "debug",
      maxBodyBytes: 2048,
    });
  });

  it("reads the metrics token, and refuses a short one without echoing it", () => {
    const token = "scrape-token-0123456789";
    expect(parseNodeEnv({ KSP_METRICS_TOKEN: token })).toMatchObject({
      ok: true,
      settings: { metricsToken: token },
    });
    expect(parseNodeEnv({})).toMatchObject({ ok: true, settings: { metricsToken: undefined } });
    const short = parseNodeEnv({ KSP_METRICS_TOKEN: "secretpw" });
    expect(short).toEqual({ ok: false, problems: ["KSP_METRICS_TOKEN: must be at least 16 characters"] });
  });

  it("reports one line per bad variable, never the value", () => {
    const r = parseNodeEnv({
      PORT: "eighty",
      DATABASE_URL: "notaurl-with-secretpw",
      KSP_ADMIN_TOKEN: "short-secretpw",
      UPSTASH_REDIS_REST_URL: "https://x.upstash.io",
      LOG_LEVEL: "loud",
      KSP_MAX_BODY_BYTES: "10",
      DATABASE_STATEMENT_CACHE_SIZE: "-1",
    });
    expect(r.ok).toBe(false);
    const problems = r.ok ? [] : r.problems;
    expect(problems.toSorted()).toEqual(
      [
        "PORT: must be a whole number between 0 and 65535",
        "DATABASE_URL: must be a postgres:// or postgresql:// URL with a host",
        "KSP_ADMIN_TOKEN: must be ksp_adm_ followed by 32 to 256 characters of A-Z a-z 0-9 _ -",
        "LOG_LEVEL: must be one of debug, info, warn, error",
        "KSP_MAX_BODY_BYTES: must be a whole number between 1024 and 67108864",
        "DATABASE_STATEMENT_CACHE_SIZE: must be a whole number between 0 and 10000",
        "UPSTASH_REDIS_REST_TOKEN: is required when UPSTASH_REDIS_REST_URL is set",
      ].toSorted(),
    );
    expect(problems.join("\n")).not.toContain("secretpw");
  });

  it("wants the Upstash URL when only the token is given", () => {
    const r = parseNodeEnv({ UPSTASH_REDIS_REST_TOKEN: "abc" });
    expect(r).toEqual({
      ok: false,
      problems: ["UPSTASH_REDIS_REST_URL: is required when UPSTASH_REDIS_REST_TOKEN is set"],
    });
  });
});

describe("webhook settings (both entries)", () => {
  const parse = (runtime: "node" | "worker", vars: Record<string, string>) =>
    runtime === "node" ? parseNodeEnv(vars) : parseWorkerEnv({ ...workerBase, ...vars });

  for (const runtime of ["node", "worker"] as const) {
    it(`${runtime}: reads QStash, the signing keys and the email adapter`, () => {
      const r = parse(runtime, {
        QSTASH_TOKEN: "qstash-token",
        QSTASH_URL: "https://qstash.eu.example",
        QSTASH_CURRENT_SIGNING_KEY: "sig_current",
        QSTASH_NEXT_SIGNING_KEY: "sig_next",
        KSP_EMAIL_WEBHOOK_URL: "https://mailer.example/send",
      });
      expect(r.ok && r.settings.webhooks).toEqual({
        qstash: { token: "qstash-token", baseUrl: "https://qstash.eu.example" },
        signingKeys: { currentSigningKey: "sig_current", nextSigningKey: "sig_next" },
        emailWebhookUrl: "https://mailer.example/send",
      });
    });

    it(`${runtime}: a current key alone is also the next one; no QStash means no token`, () => {
      const r = parse(runtime, { QSTASH_CURRENT_SIGNING_KEY: "sig_only", QSTASH_TOKEN: "" });
      expect(r.ok && r.settings.webhooks).toEqual({
        qstash: undefined,
        signingKeys: { currentSigningKey: "sig_only", nextSigningKey: "sig_only" },
        emailWebhookUrl: undefined,
      });
    });

    it(`${runtime}: refuses settings that mean nothing alone, and a bad email adapter URL, without echoing them`, () => {
      const r = parse(runtime, {
        QSTASH_URL: "https://qstash.example",
        QSTASH_NEXT_SIGNING_KEY: "sig_secretnext",
        KSP_EMAIL_WEBHOOK_URL: "smtp://mail.example:secretpw@x",
      });
      expect(r.ok).toBe(false);
      const problems = r.ok ? [] : r.problems;
      expect(problems.toSorted()).toEqual(
        [
          "QSTASH_TOKEN: is required when QSTASH_URL is set",
          "QSTASH_CURRENT_SIGNING_KEY: is required when QSTASH_NEXT_SIGNING_KEY is set",
          "KSP_EMAIL_WEBHOOK_URL: must be an http(s) URL",
        ].toSorted(),
      );
      expect(problems.join("\n")).not.toMatch(/secret/);
    });
  }
});

describe("Worker environment", () => {
  it("accepts the required bindings", () => {
    const r = parseWorkerEnv({ ...workerBase, NEON_WS_PROXY: "127.0.0.1:5000/v1", LOG_LEVEL: "warn" });
    expect(r.ok && r.settings).toMatchObject({
      databaseUrl: workerBase.DATABASE_URL,
      upstash: { url: "https://redis.example", token: "tok" },
      neonWsProxy: "127.0.0.1:5000/v1",
      logLevel: "warn",
      jobsQueue: queue,
    });
  });

  it("requires the database, Upstash and the queue binding", () => {
    const r = parseWorkerEnv({});
    expect(r.ok).toBe(false);
    const names = r.ok ? [] : r.problems.map((p) => p.split(":")[0]);
    expect(names.sort()).toEqual([
      "DATABASE_URL",
      "JOBS_QUEUE",
      "UPSTASH_REDIS_REST_TOKEN",
      "UPSTASH_REDIS_REST_URL",
    ]);
  });

  it("rejects a malformed DATABASE_URL without echoing it", () => {
    const r = parseWorkerEnv({ ...workerBase, DATABASE_URL: "mysql://root:hunter2@x/db" });
    expect(r).toEqual({
      ok: false,
      problems: ["DATABASE_URL: must be a postgres:// or postgresql:// URL with a host"],
    });
  });
});

describe("KSP_ENCRYPTION_KEYS (both entries)", () => {
  const keyText = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
  const parsers = {
    node: (extra: Record<string, string>) => parseNodeEnv(extra),
    worker: (extra: Record<string, string>) => parseWorkerEnv({ ...workerBase, ...extra }),
  };

  for (const [entry, parse] of Object.entries(parsers)) {
    it(`${entry}: is optional, and empty is unset`, () => {
      for (const r of [parse({}), parse({ KSP_ENCRYPTION_KEYS: "" })]) {
        expect(r.ok && r.settings.encryptionKeys).toBeUndefined();
      }
    });

    it(`${entry}: reads the keys in order`, () => {
      const r = parse({ KSP_ENCRYPTION_KEYS: `k2:${keyText},k1:${keyText.replace(/^./, "A")}` });
      if (!r.ok) throw new Error(r.problems.join("; "));
      expect(r.settings.encryptionKeys?.map((k) => k.id)).toEqual(["k2", "k1"]);
      expect(r.settings.encryptionKeys?.[0]?.key).toHaveLength(32);
    });

    it(`${entry}: refuses a malformed list in one line naming the entries, never the key`, () => {
      const r = parse({ KSP_ENCRYPTION_KEYS: `k1:${keyText},k1:${keyText},k3:${keyText.slice(4)}` });
      expect(r).toEqual({
        ok: false,
        problems: [
          'KSP_ENCRYPTION_KEYS: entry 2 (id "k1"): the key id is already used by an earlier entry; ' +
            'entry 3 (id "k3"): the key must be 32 bytes after base64 decoding, not 29',
        ],
      });
      expect(JSON.stringify(r)).not.toContain(keyText.slice(4, 20));
    });
  }
});
