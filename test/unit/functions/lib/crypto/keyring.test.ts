/**
 * AES-256-GCM envelopes: values round-trip, every encryption differs, and any
 * change to the key id, nonce, data or associated data (the record id) is
 * refused with one error class and a message that carries no secret.
 */
import { describe, expect, it } from "vitest";
import { bytesToBase64, bytesToBase64url } from "../../../../../functions/lib/crypto/base64.ts";
import { DecryptionError } from "../../../../../functions/lib/crypto/decryption-error.ts";
import {
  type EncryptionKey,
  parseEncryptionKeys,
} from "../../../../../functions/lib/crypto/encryption-keys.ts";
import { AUTHENTICATION_FAILED, Keyring } from "../../../../../functions/lib/crypto/keyring.ts";
import { isAppError } from "../../../../../functions/lib/errors.ts";

function key(id: string): EncryptionKey {
  return { id, key: crypto.getRandomValues(new Uint8Array(32)) };
}

const RECORD = "cluster_01HZX";
const SECRET = "apiVersion: v1\nusers:\n- user:\n    token: very-secret-token\n";

/** The error a decryption rejected with, checked to say nothing secret. */
async function failure(promise: Promise<unknown>, ...secrets: string[]): Promise<DecryptionError> {
  const err = await promise.then(
    () => {
      throw new Error("decrypted, but should have failed");
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DecryptionError);
  expect(isAppError(err)).toBe(true);
  const text = JSON.stringify({ message: (err as Error).message, details: (err as DecryptionError).details });
  for (const secret of secrets) expect(text).not.toContain(secret);
  return err as DecryptionError;
}

function flipBit(text: string, index: number, bit = 1): string {
  return text.slice(0, index) + String.fromCharCode(text.charCodeAt(index) ^ bit) + text.slice(index + 1);
}

/** Flips one bit of the decoded bytes of one dot-separated part and re-encodes it canonically. */
function flipBitInPart(envelope: string, part: 2 | 3, byteIndex: number): string {
  const parts = envelope.split(".");
  const encoded = parts[part]!.replace(/-/g, "+").replace(/_/g, "/");
  const bytes = Uint8Array.from(atob(encoded + "=".repeat((4 - (encoded.length % 4)) % 4)), (c) =>
    c.charCodeAt(0),
  );
  bytes[byteIndex]! ^= 0x01;
  parts[part] = bytesToBase64url(bytes);
  return parts.join(".");
}

describe("Keyring", () => {
  const k1 = key("k1");
  const ring = new Keyring([k1]);
  const keyText = bytesToBase64(k1.key);

  it("round-trips strings and bytes, empty and 1 MiB", async () => {
    expect(await ring.decryptString(await ring.encrypt(SECRET, RECORD), RECORD)).toBe(SECRET);
    expect(await ring.decryptString(await ring.encrypt("", RECORD), RECORD)).toBe("");
    expect(await ring.decrypt(await ring.encrypt(new Uint8Array(0), RECORD), RECORD)).toEqual(
      new Uint8Array(0),
    );

    const big = new Uint8Array(1024 * 1024);
    for (let i = 0; i < big.length; i += 65_536) crypto.getRandomValues(big.subarray(i, i + 65_536));
    const sealed = await ring.encrypt(big, RECORD);
    const opened = await ring.decrypt(sealed, RECORD);
    // one native comparison: toEqual walks a 1 MiB array element by element (seconds on a busy machine)
    expect(opened.length).toBe(big.length);
    expect(Buffer.compare(Buffer.from(opened), Buffer.from(big))).toBe(0);
  });

  it("writes a self-describing envelope that names its key and never the plaintext", async () => {
    const sealed = await ring.encrypt(SECRET, RECORD);
    expect(sealed).toMatch(/^v1\.k1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain("very-secret-token");
    expect(ring.needsRotation(sealed)).toBe(false);
  });

  it("encrypts the same value differently every time (a fresh nonce each)", async () => {
    const a = await ring.encrypt(SECRET, RECORD);
    const b = await ring.encrypt(SECRET, RECORD);
    expect(a).not.toBe(b);
    expect(a.split(".")[2]).not.toBe(b.split(".")[2]);
  });

  it("refuses a flipped bit in the data or the tag", async () => {
    const sealed = await ring.encrypt(SECRET, RECORD);
    for (const byte of [0, 10, SECRET.length + 3]) {
      const err = await failure(ring.decrypt(flipBitInPart(sealed, 3, byte), RECORD), SECRET, keyText);
      expect(err.reason).toBe("authentication_failed");
      expect(err.message).toBe(AUTHENTICATION_FAILED);
    }
  });

  it("refuses a flipped bit in the nonce", async () => {
    const sealed = await ring.encrypt(SECRET, RECORD);
    const err = await failure(ring.decrypt(flipBitInPart(sealed, 2, 5), RECORD), SECRET, keyText);
    expect(err.message).toBe(AUTHENTICATION_FAILED);
  });

  it("refuses a value moved to another record (different associated data)", async () => {
    const sealed = await ring.encrypt(SECRET, RECORD);
    const err = await failure(ring.decrypt(sealed, "cluster_other"), SECRET, keyText);
    expect(err.message).toBe(AUTHENTICATION_FAILED);
    await failure(ring.decrypt(sealed, flipBit(RECORD, 3)), SECRET, keyText);
    await failure(ring.decrypt(sealed, ""), SECRET, keyText);
  });

  it("refuses a flipped bit in the key id: unknown key, or another key's authentication failure", async () => {
    // "k1" with one bit flipped is "k3"
    const k3 = key("k3");
    const both = new Keyring([k1, k3]);
    const sealed = await both.encrypt(SECRET, RECORD);
    const tampered = flipBit(sealed, 4, 0x02);
    expect(tampered.startsWith("v1.k3.")).toBe(true);

    const unknown = await failure(ring.decrypt(tampered, RECORD), SECRET, keyText);
    expect(unknown.reason).toBe("unknown_key");
    expect(unknown.message).toContain('unknown key id "k3"');

    // even with the same key material under the new id, the id is bound into the associated data
    const sameMaterial = new Keyring([k1, { id: "k3", key: k1.key }]);
    const err = await failure(sameMaterial.decrypt(tampered, RECORD), SECRET, keyText);
    expect(err.message).toBe(AUTHENTICATION_FAILED);
    await failure(both.decrypt(tampered, RECORD), SECRET, keyText);
  });

  it("fails on an unknown key id with a message saying so", async () => {
    const other = new Keyring([key("k9")]);
    const err = await failure(other.decrypt(await ring.encrypt(SECRET, RECORD), RECORD), SECRET, keyText);
    expect(err.reason).toBe("unknown_key");
    expect(err.message).toMatch(/unknown key id "k1".*KSP_ENCRYPTION_KEYS/);
    expect(err.code).toBe("internal");
  });

  it("fails on malformed envelopes", async () => {
    const sealed = await ring.encrypt(SECRET, RECORD);
    const [, id, nonce, data] = sealed.split(".");
    for (const bad of [
      "",
      "plain text",
      `v2.${id}.${nonce}.${data}`,
      `v1.${id}.${nonce}`,
      `v1.${id}.${nonce}.${data}.extra`,
      `v1.K1.${nonce}.${data}`,
      `v1.${id}.${nonce}A.${data}`,
      `v1.${id}.${nonce}.${data}+`,
      `v1.${id}.${nonce}.AAAA`,
    ]) {
      const err = await failure(ring.decrypt(bad, RECORD), SECRET, keyText);
      expect(err.reason, bad).toBe("malformed");
      expect(err.message).toMatch(/^malformed ciphertext: /);
    }
    expect(() => ring.needsRotation("nope")).toThrow(DecryptionError);
  });

  it("decrypts old values after a rotation and says which need re-encrypting", async () => {
    const old = await ring.encrypt(SECRET, RECORD);
    const k2 = key("k2");
    const rotated = new Keyring([k2, k1]);
    expect(rotated.currentKeyId).toBe("k2");
    expect(await rotated.decryptString(old, RECORD)).toBe(SECRET);
    expect(rotated.needsRotation(old)).toBe(true);

    const fresh = await rotated.encrypt(SECRET, RECORD);
    expect(fresh.split(".")[1]).toBe("k2");
    expect(rotated.needsRotation(fresh)).toBe(false);
    // the old keyring cannot read what the new key wrote
    expect((await failure(ring.decrypt(fresh, RECORD), SECRET)).reason).toBe("unknown_key");
  });

  it("works with keys as KSP_ENCRYPTION_KEYS gives them", async () => {
    const newKey = bytesToBase64(key("x").key);
    const parsed = parseEncryptionKeys(`new:${newKey},old:${keyText}`);
    if (!parsed.ok) throw new Error(parsed.problems.join("; "));
    const fromEnv = new Keyring(parsed.keys);
    const before = await new Keyring([{ id: "old", key: k1.key }]).encrypt(SECRET, RECORD);
    expect(await fromEnv.decryptString(before, RECORD)).toBe(SECRET);
    expect(fromEnv.needsRotation(before)).toBe(true);
    const sealed = await fromEnv.encrypt(SECRET, RECORD);
    expect(sealed.startsWith("v1.new.")).toBe(true);
    expect(await new Keyring([parsed.keys[0]!]).decryptString(sealed, RECORD)).toBe(SECRET);
  });

  it("refuses bytes that authenticate but are not UTF-8 as a string", async () => {
    const sealed = await ring.encrypt(new Uint8Array([0xff, 0xfe]), RECORD);
    const err = await failure(ring.decryptString(sealed, RECORD), keyText);
    expect(err.reason).toBe("malformed");
    expect(err.message).toBe("the decrypted value is not UTF-8 text");
  });
});
