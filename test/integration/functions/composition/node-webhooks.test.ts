/**
 * Every Node start picks its webhook transport from the environment: QStash
 * when QSTASH_TOKEN is set, the in-process sender with the configured key,
 * and on an embedded install with neither a key generated once into the data
 * dir (0600, logged by path, never by value) and reused on the next start.
 */
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { composeNode } from "../../../../functions/composition/node.ts";
import { SIGNING_KEY_FILE } from "../../../../functions/composition/webhook-signing-key.ts";
import { parseNodeEnv } from "../../../../functions/env.ts";
import { createMemoryLogger } from "../../../../shared/logger.ts";

describe("Node composition: webhook transport", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  async function start(vars: Record<string, string>) {
    const dataDir = vars.KSP_DATA_DIR ?? (await mkdtemp(path.join(os.tmpdir(), "ksp-webhooks-")));
    dirs.push(dataDir);
    const env = parseNodeEnv({ ...vars, KSP_DATA_DIR: dataDir });
    if (!env.ok) throw new Error(env.problems.join("; "));
    const logger = createMemoryLogger();
    const runtime = await composeNode(env.settings, { logger });
    await runtime.close();
    return { runtime, logger, dataDir };
  }

  it("generates a signing key once on an embedded install, keeps it 0600, and reuses it", async () => {
    const first = await start({});
    expect(first.runtime.deps.webhooks.kind).toBe("in-process");
    const file = path.join(first.dataDir, SIGNING_KEY_FILE);
    const key = (await readFile(file, "utf8")).trim();
    expect(key).toMatch(/^sig_[A-Za-z0-9_-]{40,}$/);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(first.runtime.deps.webhooks.signingKeys).toEqual({ currentSigningKey: key, nextSigningKey: key });
    const logged = JSON.stringify(first.logger.lines);
    expect(logged).toContain(file);
    expect(logged).not.toContain(key);

    const again = await start({ KSP_DATA_DIR: first.dataDir });
    expect(again.runtime.deps.webhooks.signingKeys?.currentSigningKey).toBe(key);
    expect(JSON.stringify(again.logger.lines)).not.toContain("generated a webhook signing key");
  });

  it("uses the configured key instead, and QStash when its token is set", async () => {
    const configured = await start({ QSTASH_CURRENT_SIGNING_KEY: "sig_configured" });
    expect(configured.runtime.deps.webhooks).toMatchObject({
      kind: "in-process",
      signingKeys: { currentSigningKey: "sig_configured", nextSigningKey: "sig_configured" },
    });
    const qstash = await start({
      QSTASH_TOKEN: "tok",
      QSTASH_CURRENT_SIGNING_KEY: "sig_q",
      KSP_EMAIL_WEBHOOK_URL: "https://m.example/",
    });
    expect(qstash.runtime.deps.webhooks).toMatchObject({
      kind: "qstash",
      emailWebhookUrl: "https://m.example/",
    });
    for (const started of [configured, qstash]) {
      await expect(stat(path.join(started.dataDir, SIGNING_KEY_FILE))).rejects.toThrow();
    }
  });
});
