/**
 * Acceptance (issue 16): rotation under concurrent reads loses nothing and is
 * resumable after a kill. Values stored through the real SSH key and
 * kubeconfig stores under k1 are rotated to the key list [k2, k1] by a pass
 * in a child process (small batches), SIGKILLed once its first batches are
 * in the database; the scheduled job then finishes the work through the real
 * runner. Readers open every value in a loop the whole time, through the
 * code the control plane reads them with: none fails. At the end every value
 * is on k2 and opens, with k2 alone, to what was stored.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JobRegistry } from "../../../../../functions/jobs/registry.ts";
import { rotateEncryptionJob } from "../../../../../functions/jobs/rotate-encryption.ts";
import { runJob } from "../../../../../functions/jobs/runner.ts";
import { Keyring } from "../../../../../functions/lib/crypto/keyring.ts";
import { InProcessQueue } from "../../../../../functions/queue/in-process.ts";
import { startTestApi, type TestApi } from "../../../../support/api.ts";
import { requirePostgres } from "../../../../support/postgres.ts";
import { consumeEach } from "../../../../support/queue-consumers.ts";
import {
  keysVariable,
  openStored,
  type StoredSecret,
  secretsContext,
  storedKeyIdsById,
  storeSecrets,
  testKey,
} from "../../../../support/sealed-values.ts";

const ok = await requirePostgres();
const ROOT = join(import.meta.dirname, "..", "..", "..", "..", "..");

const k1 = testKey("k1");
const k2 = testKey("k2");
const EACH = 20;
const BATCH = 3;

describe.skipIf(!ok)("rotation under concurrent reads, killed half-way", { timeout: 120_000 }, () => {
  let api: TestApi;
  let stored: StoredSecret[];
  beforeAll(async () => {
    api = await startTestApi();
    stored = await storeSecrets(secretsContext(api.database.db, new Keyring([k1])), {
      sshKeys: EACH,
      kubeconfigs: EACH,
    });
  });
  afterAll(() => api?.close());

  const onK2 = async () =>
    [...(await storedKeyIdsById(api.database.db)).values()].filter((k) => k === "k2").length;

  /** Readers that open every value, over and over, until stopped; they keep every failure. */
  function startReaders(count: number) {
    const failures: string[] = [];
    let reads = 0;
    let stopped = false;
    const loops = Array.from({ length: count }, async () => {
      const ctx = secretsContext(api.database.db, new Keyring([k2, k1]));
      while (!stopped) {
        for (const value of stored) {
          try {
            const opened = await openStored(ctx, value);
            if (opened !== value.secret) failures.push(`${value.table}:${value.id} opened to something else`);
          } catch (err) {
            failures.push(`${value.table}:${value.id}: ${(err as Error).message}`);
          }
          reads++;
        }
      }
    });
    return {
      reads: () => reads,
      failures,
      async stop() {
        stopped = true;
        await Promise.all(loops);
      },
    };
  }

  it("loses nothing, and the next run finishes what the killed one started", async () => {
    const readers = startReaders(3);
    const child = spawn(process.execPath, ["--import", "tsx", "test/support/rotation-child.ts"], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "",
        DATABASE_URL: api.testDatabase.url,
        KSP_ENCRYPTION_KEYS: keysVariable([k2, k1]),
        ROTATION_BATCH_SIZE: String(BATCH),
        ROTATION_PAUSE_MS: "50",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      out += c.toString();
    });
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
      child.once("exit", (code, signal) => resolve(signal ?? code)),
    );

    // the first batches are visible: kill it with no chance to tidy up
    const deadline = Date.now() + 60_000;
    while ((await onK2()) < 2 * BATCH) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no progress to kill:\n${out}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");
    expect(out).not.toContain("done");
    const readsDuringChild = readers.reads();
    const halfway = await onK2();
    expect(halfway).toBeGreaterThanOrEqual(2 * BATCH);
    expect(halfway).toBeLessThan(2 * EACH);

    // the scheduled job, through the real runner and lock, picks up only what is left
    const queue = new InProcessQueue({
      clock: api.deps.clock,
      logger: api.deps.logger,
      consumeBatch: consumeEach(async () => ({ action: "ack" as const })),
    });
    const app = { ...api.deps, encryption: new Keyring([k2, k1]) };
    const outcome = await runJob(
      { app, registry: new JobRegistry([rotateEncryptionJob]), queue },
      rotateEncryptionJob,
      "test",
    );
    expect(outcome.outcome).toBe("ok");
    await readers.stop();

    expect(readers.failures).toEqual([]);
    expect(readsDuringChild).toBeGreaterThan(0);
    expect(await onK2()).toBe(2 * EACH);
    const k2only = secretsContext(api.database.db, new Keyring([k2]));
    for (const value of stored) expect(await openStored(k2only, value)).toBe(value.secret);
  });
});
