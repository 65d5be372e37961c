/**
 * Every Node start settles its keyring for secrets at rest: KSP_ENCRYPTION_KEYS
 * when set; on an embedded install without it a key generated once into the
 * data dir (0600, logged by path, never by value) and reused, also by two
 * processes starting at once; on a DATABASE_URL install without it no keyring
 * and one info line. A damaged key file stops the start naming the file only.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../../../drizzle/client.ts";
import {
  dataDirKeyring,
  EMBEDDED_KEY_ID,
  ENCRYPTION_KEY_FILE,
} from "../../../../functions/composition/encryption-keyring.ts";
import { composeNode } from "../../../../functions/composition/node.ts";
import { parseNodeEnv } from "../../../../functions/env.ts";
import { type EncryptionKey, NO_ENCRYPTION_KEYS } from "../../../../functions/lib/crypto/encryption-keys.ts";
import { Keyring } from "../../../../functions/lib/crypto/keyring.ts";
import { createMemoryLogger } from "../../../../shared/logger.ts";
import { killNodeServers, spawnNodeServer } from "../../../support/node-server.ts";
import { createTestDatabase, requirePostgres, type TestDatabase } from "../../../support/postgres.ts";
import { keysVariable, secretsContext, storeSecrets, testKey } from "../../../support/sealed-values.ts";

const RECORD = "cluster_1";
const SECRET = "token: very-secret";

describe("Node composition: encryption keyring", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  async function tempDir(): Promise<string> {
    const dir = await mkdtemp(path.join(os.tmpdir(), "ksp-encryption-"));
    dirs.push(dir);
    return dir;
  }

  async function start(vars: Record<string, string>) {
    const dataDir = vars.KSP_DATA_DIR ?? (await tempDir());
    const env = parseNodeEnv({ ...vars, KSP_DATA_DIR: dataDir });
    if (!env.ok) throw new Error(env.problems.join("; "));
    const logger = createMemoryLogger();
    const runtime = await composeNode(env.settings, { logger });
    await runtime.close();
    return { runtime, logger, dataDir, encryption: runtime.deps.encryption };
  }

  it("generates a key once on an embedded install, keeps it 0600, and reuses it", async () => {
    const first = await start({});
    const file = path.join(first.dataDir, ENCRYPTION_KEY_FILE);
    const entry = (await readFile(file, "utf8")).trim();
    expect(entry).toMatch(new RegExp(`^${EMBEDDED_KEY_ID}:[A-Za-z0-9+/]{43}=$`));
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(first.encryption?.currentKeyId).toBe(EMBEDDED_KEY_ID);
    const logged = JSON.stringify(first.logger.lines);
    expect(logged).toContain(file);
    expect(logged).toContain("generated an encryption key");
    expect(logged).not.toContain(entry.split(":")[1]!);
    const sealed = await first.encryption!.encrypt(SECRET, RECORD);

    const again = await start({ KSP_DATA_DIR: first.dataDir });
    expect(await again.encryption?.decryptString(sealed, RECORD)).toBe(SECRET);
    expect(JSON.stringify(again.logger.lines)).not.toContain("generated an encryption key");
    expect((await readFile(file, "utf8")).trim()).toBe(entry);
  });

  it("gives two starts racing on one data dir the same key, generated once", async () => {
    const dataDir = await tempDir();
    const logger = createMemoryLogger();
    const rings = await Promise.all(Array.from({ length: 4 }, () => dataDirKeyring(dataDir, logger)));
    const sealed = await rings[0]!.encrypt(SECRET, RECORD);
    for (const ring of rings) expect(await ring.decryptString(sealed, RECORD)).toBe(SECRET);
    expect(logger.lines.filter((l) => String(l.msg).includes("generated an encryption key"))).toHaveLength(1);
    expect((await stat(path.join(dataDir, ENCRYPTION_KEY_FILE))).mode & 0o777).toBe(0o600);
  });

  it("uses KSP_ENCRYPTION_KEYS when set and writes no key file", async () => {
    const key = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
    const configured = await start({ KSP_ENCRYPTION_KEYS: `prod2:${key}` });
    expect(configured.encryption?.currentKeyId).toBe("prod2");
    await expect(stat(path.join(configured.dataDir, ENCRYPTION_KEY_FILE))).rejects.toThrow();
    expect(JSON.stringify(configured.logger.lines)).not.toContain(key);
  });

  it("refuses a damaged key file, naming the file and never its content", async () => {
    const dataDir = await tempDir();
    const file = path.join(dataDir, ENCRYPTION_KEY_FILE);
    await writeFile(file, "local1:c2VjcmV0cHc=\n", { mode: 0o600 });
    const env = parseNodeEnv({ KSP_DATA_DIR: dataDir });
    if (!env.ok) throw new Error(env.problems.join("; "));
    const err = await composeNode(env.settings, { logger: createMemoryLogger() }).then(
      () => new Error("started, but should have failed"),
      (e: Error) => e,
    );
    expect(err.message).toBe(
      `the encryption key file ${file} is invalid: entry 1 (id "local1"): the key must be 32 bytes after base64 decoding, not 8`,
    );
  });
});

const postgresOk = await requirePostgres();

describe.skipIf(!postgresOk)("Node composition on Postgres: encryption keyring", () => {
  it("has no keyring without KSP_ENCRYPTION_KEYS, says so once, and writes no key file", async () => {
    const database = await createTestDatabase();
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "ksp-encryption-pg-"));
    try {
      const env = parseNodeEnv({ DATABASE_URL: database.url, KSP_DATA_DIR: dataDir });
      if (!env.ok) throw new Error(env.problems.join("; "));
      const logger = createMemoryLogger();
      const runtime = await composeNode(env.settings, { logger });
      await runtime.close();
      expect(runtime.deps.encryption).toBeUndefined();
      const notices = logger.lines.filter((l) => JSON.stringify(l).includes(NO_ENCRYPTION_KEYS));
      expect(notices).toHaveLength(1);
      expect(notices[0]).toMatchObject({ level: "info" });
      await expect(stat(path.join(dataDir, ENCRYPTION_KEY_FILE))).rejects.toThrow();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
      await database.drop();
    }
  });
});

/**
 * Start-up refuses what it could not read: stored secrets without
 * KSP_ENCRYPTION_KEYS, or sealed with a key id the keys do not include (a key
 * removed too early), naming counts and key ids, never key material. The
 * Node entry itself (a child process, as `npm start` runs it) says so on
 * stderr and exits 1; the embedded install's own key counts like any other.
 */
describe.skipIf(!postgresOk)("Node start-up: stored secrets it cannot read", { timeout: 120_000 }, () => {
  const k1 = testKey("k1");
  const k2 = testKey("k2");
  let database: TestDatabase;
  const dirs: string[] = [];
  beforeAll(async () => {
    database = await createTestDatabase();
    const db = await openDatabase({ runtime: "node", databaseUrl: database.url });
    try {
      await storeSecrets(secretsContext(db.db, new Keyring([k1])), { sshKeys: 1, kubeconfigs: 2 });
    } finally {
      await db.close();
    }
  });
  afterAll(async () => {
    await killNodeServers();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
    await database?.drop();
  });

  async function refusal(vars: Record<string, string>): Promise<string> {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "ksp-encryption-start-"));
    dirs.push(dataDir);
    const env = parseNodeEnv({ KSP_DATA_DIR: dataDir, ...vars });
    if (!env.ok) throw new Error(env.problems.join("; "));
    return composeNode(env.settings, { logger: createMemoryLogger() }).then(
      async (runtime) => {
        await runtime.close();
        return "started";
      },
      (e: Error) => e.message,
    );
  }

  /** The Node entry's stderr and exit code, or "started" once /healthz answers. */
  async function entry(vars: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "ksp-encryption-entry-"));
    dirs.push(dataDir);
    const server = await spawnNodeServer({ KSP_DATA_DIR: dataDir, ...vars });
    let code: number | null | undefined;
    server.exited.then((c) => {
      code = c;
    });
    const deadline = Date.now() + 90_000;
    while (code === undefined && Date.now() < deadline) {
      const up = await fetch(`${server.url}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (up) {
        server.child.kill("SIGTERM");
        await server.exited;
        return { code: -1, stderr: "started" };
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    await server.exited;
    return { code: code ?? null, stderr: server.stderr() };
  }

  const material = (k: EncryptionKey) => Buffer.from(k.key).toString("base64");

  it("refuses to compose without keys, or without a key id the values were sealed with", async () => {
    expect(await refusal({ DATABASE_URL: database.url })).toBe(
      '3 stored secrets are encrypted but KSP_ENCRYPTION_KEYS is not set; set it to the keys they were written with (key id "k1")',
    );
    const missing = await refusal({ DATABASE_URL: database.url, KSP_ENCRYPTION_KEYS: keysVariable([k2]) });
    expect(missing).toMatch(/^3 stored secrets are encrypted with key id "k1" that the encryption keys/);
    expect(missing).not.toContain(material(k2));
    expect(await refusal({ DATABASE_URL: database.url, KSP_ENCRYPTION_KEYS: keysVariable([k2, k1]) })).toBe(
      "started",
    );
  });

  it("the Node entry exits 1 with one clear line, and starts once the keys are there", async () => {
    const noKeys = await entry({ DATABASE_URL: database.url });
    expect(noKeys).toEqual({
      code: 1,
      stderr:
        'ksp: cannot start: 3 stored secrets are encrypted but KSP_ENCRYPTION_KEYS is not set; set it to the keys they were written with (key id "k1")\n',
    });
    const removedTooEarly = await entry({
      DATABASE_URL: database.url,
      KSP_ENCRYPTION_KEYS: keysVariable([k2]),
    });
    expect(removedTooEarly.code).toBe(1);
    expect(removedTooEarly.stderr).toMatch(
      /^ksp: cannot start: 3 stored secrets are encrypted with key id "k1" /,
    );
    expect(removedTooEarly.stderr).not.toContain(material(k2));
    expect(await entry({ DATABASE_URL: database.url, KSP_ENCRYPTION_KEYS: keysVariable([k2, k1]) })).toEqual({
      code: -1,
      stderr: "started",
    });
  });

  it("an embedded install refuses keys that leave out its own key file's key", async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "ksp-encryption-embedded-"));
    dirs.push(dataDir);
    const env = parseNodeEnv({ KSP_DATA_DIR: dataDir });
    if (!env.ok) throw new Error(env.problems.join("; "));
    const runtime = await composeNode(env.settings, { logger: createMemoryLogger() });
    try {
      await storeSecrets(secretsContext(runtime.database.db, runtime.deps.encryption), {
        sshKeys: 1,
        kubeconfigs: 0,
      });
    } finally {
      await runtime.close();
    }
    const other = await entry({ KSP_DATA_DIR: dataDir, KSP_ENCRYPTION_KEYS: keysVariable([k2]) });
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(
      new RegExp(`^ksp: cannot start: 1 stored secret is encrypted with key id "${EMBEDDED_KEY_ID}" `),
    );
  });
});
