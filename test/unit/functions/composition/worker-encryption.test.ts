/**
 * The Worker has no disk to keep a generated key on: it gets a keyring only
 * from KSP_ENCRYPTION_KEYS, and without it says so in one info line and
 * leaves AppDeps.encryption unset (features that store secrets refuse).
 */
import { describe, expect, it } from "vitest";
import { composeWorker } from "../../../../functions/composition/worker.ts";
import { parseWorkerEnv } from "../../../../functions/env.ts";
import { NO_ENCRYPTION_KEYS } from "../../../../functions/lib/crypto/encryption-keys.ts";
import { createMemoryLogger } from "../../../../shared/logger.ts";

const bindings = {
  DATABASE_URL: "postgres://u:p@db.example:5432/ksp",
  UPSTASH_REDIS_REST_URL: "https://redis.example",
  UPSTASH_REDIS_REST_TOKEN: "tok",
  JOBS_QUEUE: { send: async () => {}, sendBatch: async () => {} },
};

function compose(extra: Record<string, string>) {
  const env = parseWorkerEnv({ ...bindings, ...extra });
  if (!env.ok) throw new Error(env.problems.join("; "));
  const logger = createMemoryLogger();
  return { runtime: composeWorker(env.settings, logger), logger };
}

describe("Worker composition: encryption keyring", () => {
  it("has no keyring without KSP_ENCRYPTION_KEYS and says so in one info line", () => {
    const { runtime, logger } = compose({});
    expect(runtime.deps.encryption).toBeUndefined();
    // (beside it, the one about KSP_ADMIN_TOKEN, also unset here)
    expect(logger.lines.filter((l) => l.msg === NO_ENCRYPTION_KEYS)).toEqual([
      expect.objectContaining({ level: "info", msg: NO_ENCRYPTION_KEYS }),
    ]);
  });

  it("encrypts with the first configured key and logs nothing about it", async () => {
    const key = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
    const { runtime, logger } = compose({ KSP_ENCRYPTION_KEYS: `w2:${key},w1:${key.replace(/^./, "A")}` });
    const keyring = runtime.deps.encryption;
    expect(keyring?.keyIds).toEqual(["w2", "w1"]);
    const sealed = await keyring!.encrypt("kubeconfig", "cluster_1");
    expect(sealed.startsWith("v1.w2.")).toBe(true);
    expect(await keyring!.decryptString(sealed, "cluster_1")).toBe("kubeconfig");
    expect(JSON.stringify(logger.lines)).not.toContain(NO_ENCRYPTION_KEYS);
    expect(JSON.stringify(logger.lines)).not.toContain(key);
  });
});
