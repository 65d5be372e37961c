/**
 * The same envelopes on both runtimes: what Node encrypts, workerd decrypts
 * and the other way round, and workerd refuses a tampered value with the same
 * error. The keyring (and only it) is bundled with esbuild into a tiny test
 * Worker with the compatibility settings of wrangler.toml.
 */
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bytesToBase64 } from "../../../../../functions/lib/crypto/base64.ts";
import { parseEncryptionKeys } from "../../../../../functions/lib/crypto/encryption-keys.ts";
import { AUTHENTICATION_FAILED, Keyring } from "../../../../../functions/lib/crypto/keyring.ts";
import { recordUsage } from "../../../../support/usage.ts";
import { wranglerSetting } from "../../../../support/worker-harness.ts";

const ROOT = fileURLToPath(new URL("../../../../../", import.meta.url));

const ENTRY = `
import { parseEncryptionKeys } from "./functions/lib/crypto/encryption-keys.ts";
import { Keyring } from "./functions/lib/crypto/keyring.ts";
export default {
  async fetch(request) {
    const { op, keys, aad, value } = await request.json();
    const parsed = parseEncryptionKeys(keys);
    if (!parsed.ok) return Response.json({ problems: parsed.problems }, { status: 400 });
    const ring = new Keyring(parsed.keys);
    if (op === "encrypt") return Response.json({ ciphertext: await ring.encrypt(value, aad) });
    try {
      return Response.json({ plaintext: await ring.decryptString(value, aad) });
    } catch (err) {
      return Response.json({ error: err.name, reason: err.reason, message: err.message });
    }
  },
};
`;

const KEYS = `new:${bytesToBase64(crypto.getRandomValues(new Uint8Array(32)))},old:${bytesToBase64(
  crypto.getRandomValues(new Uint8Array(32)),
)}`;
const RECORD = "cluster_7";
const SECRET = "users:\n- name: admin\n  user:\n    token: sekret-ü\n";

function nodeKeyring(): Keyring {
  const parsed = parseEncryptionKeys(KEYS);
  if (!parsed.ok) throw new Error(parsed.problems.join("; "));
  return new Keyring(parsed.keys);
}

describe("keyring inside workerd", () => {
  let mf: Miniflare;

  beforeAll(async () => {
    recordUsage("service", "workerd (miniflare)");
    const bundled = await build({
      stdin: { contents: ENTRY, resolveDir: ROOT, loader: "ts", sourcefile: "keyring-worker.ts" },
      bundle: true,
      format: "esm",
      platform: "neutral",
      write: false,
    });
    mf = new Miniflare({
      modules: true,
      script: bundled.outputFiles[0]!.text,
      compatibilityDate: JSON.parse(wranglerSetting("compatibility_date")),
      compatibilityFlags: JSON.parse(wranglerSetting("compatibility_flags")),
    });
    await mf.ready;
  });
  afterAll(async () => {
    await mf?.dispose();
  });

  async function inWorker(body: Record<string, string>): Promise<Record<string, string>> {
    const response = await mf.dispatchFetch("http://keyring.test/", {
      method: "POST",
      body: JSON.stringify({ keys: KEYS, aad: RECORD, ...body }),
    });
    expect(response.status).toBe(200);
    return (await response.json()) as Record<string, string>;
  }

  it("decrypts what Node encrypted", async () => {
    const ciphertext = await nodeKeyring().encrypt(SECRET, RECORD);
    expect(await inWorker({ op: "decrypt", value: ciphertext })).toEqual({ plaintext: SECRET });
  });

  it("encrypts what Node decrypts", async () => {
    const { ciphertext } = await inWorker({ op: "encrypt", value: SECRET });
    expect(ciphertext).toMatch(/^v1\.new\./);
    expect(await nodeKeyring().decryptString(ciphertext!, RECORD)).toBe(SECRET);
  });

  it("refuses a value moved to another record with the same error as on Node", async () => {
    const ciphertext = await nodeKeyring().encrypt(SECRET, "cluster_other");
    const answer = await inWorker({ op: "decrypt", value: ciphertext });
    expect(answer).toEqual({
      error: "DecryptionError",
      reason: "authentication_failed",
      message: AUTHENTICATION_FAILED,
    });
  });
});
