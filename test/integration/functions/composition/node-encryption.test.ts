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
import { afterAll, describe, expect, it } from "vitest";
import {
  dataDirKeyring,
  EMBEDDED_KEY_ID,
  ENCRYPTION_KEY_FILE,
} from "../../../../functions/composition/encryption-keyring.ts";
import { composeNode } from "../../../../functions/composition/node.ts";
import { parseNodeEnv } from "../../../../functions/env.ts";
import { NO_ENCRYPTION_KEYS } from "../../../../functions/lib/crypto/encryption-keys.ts";
import { createMemoryLogger } from "../../../../shared/logger.ts";
import { createTestDatabase, requirePostgres } from "../../../support/postgres.ts";

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
