/**
 * KSP_ENCRYPTION_KEYS parsing: the first key encrypts, ids are unique, keys
 * are exactly 32 bytes of canonical base64, and every problem names the entry
 * (position and id) without echoing key material.
 */
import { describe, expect, it } from "vitest";
import { bytesToBase64 } from "../../../../../functions/lib/crypto/base64.ts";
import {
  generateEncryptionKeyEntry,
  parseEncryptionKeys,
} from "../../../../../functions/lib/crypto/encryption-keys.ts";

const b64 = (n: number) => bytesToBase64(crypto.getRandomValues(new Uint8Array(n)));
const KEY_A = b64(32);
const KEY_B = b64(32);

function problems(raw: string): string[] {
  const r = parseEncryptionKeys(raw);
  if (r.ok) throw new Error("parsed, but should have failed");
  return r.problems;
}

/** No key text (nor a recognisable slice of it) in any problem. */
function expectNoMaterial(lines: string[], ...keys: string[]) {
  const text = lines.join("\n");
  for (const k of keys) {
    expect(text).not.toContain(k);
    expect(text).not.toContain(k.slice(0, 12));
  }
}

describe("parseEncryptionKeys", () => {
  it("reads keys in order, trimming blanks around entries", () => {
    const r = parseEncryptionKeys(` k2:${KEY_A} , k1:${KEY_B}`);
    if (!r.ok) throw new Error(r.problems.join("; "));
    expect(r.keys.map((k) => k.id)).toEqual(["k2", "k1"]);
    expect(bytesToBase64(r.keys[0]!.key)).toBe(KEY_A);
    expect(r.keys[1]!.key).toHaveLength(32);
  });

  it("accepts ids of a-z 0-9 _ - up to 32 characters", () => {
    expect(parseEncryptionKeys(`${"a".repeat(32)}:${KEY_A},2026-01_b:${KEY_B}`).ok).toBe(true);
  });

  it("refuses an empty list", () => {
    expect(problems("")).toEqual(["must list at least one key as id:base64key"]);
    expect(problems(" , ")).toEqual(["must list at least one key as id:base64key"]);
  });

  it("names an empty entry and an entry without a colon", () => {
    expect(problems(`k1:${KEY_A},`)).toEqual(["entry 2: is empty"]);
    const lines = problems(KEY_A);
    expect(lines).toEqual(["entry 1: must be id:base64key"]);
    expectNoMaterial(lines, KEY_A);
  });

  it("names a bad id without echoing it (it may be a pasted key)", () => {
    for (const id of ["", "K1", "a.b", "x".repeat(33), "k 1", "ключ"]) {
      const lines = problems(`k0:${KEY_B},${id}:${KEY_A}`);
      expect(lines, id).toEqual(["entry 2: the key id must be 1 to 32 characters of a-z 0-9 _ -"]);
      expectNoMaterial(lines, KEY_A, KEY_B);
    }
  });

  it("names a duplicate id by position and id", () => {
    const lines = problems(`k1:${KEY_A},k2:${KEY_B},k1:${KEY_B}`);
    expect(lines).toEqual(['entry 3 (id "k1"): the key id is already used by an earlier entry']);
    expectNoMaterial(lines, KEY_A, KEY_B);
  });

  it("names a key of the wrong length", () => {
    const short = b64(16);
    const long = b64(33);
    const lines = problems(`short:${short},long:${long}`);
    expect(lines).toEqual([
      'entry 1 (id "short"): the key must be 32 bytes after base64 decoding, not 16',
      'entry 2 (id "long"): the key must be 32 bytes after base64 decoding, not 33',
    ]);
    expectNoMaterial(lines, short, long);
  });

  it("names a key that is not canonical base64", () => {
    const bad = [
      `${KEY_A.slice(0, -1)}`, // padding missing
      `${KEY_A.slice(0, 20)}!${KEY_A.slice(21)}`,
      KEY_A.replace(/[+/]/g, "-").replace(/^./, "-"), // base64url alphabet
      `${KEY_A.slice(0, 42)}B=`, // non-zero trailing bits: another spelling of other bytes
      `${KEY_A.slice(0, 22)} ${KEY_A.slice(22)}`,
    ];
    bad.forEach((k, i) => {
      const lines = problems(`k1:${KEY_B},bad${i}:${k}`);
      expect(lines, k).toEqual([`entry 2 (id "bad${i}"): the key is not valid base64`]);
      expectNoMaterial(
        lines.map((l) => l.replace(`bad${i}`, "")),
        KEY_B,
        ...(k.length >= 12 ? [k] : []),
      );
    });
  });

  it("names an entry whose key is missing", () => {
    expect(problems("k1:")).toEqual([
      'entry 1 (id "k1"): the key must be 32 bytes after base64 decoding, not 0',
    ]);
  });

  it("reports every bad entry at once", () => {
    expect(problems(`K:${KEY_A},ok:${KEY_B},ok:${KEY_A},x:abc`)).toHaveLength(3);
  });

  it("generates an entry in its own syntax", () => {
    const entry = generateEncryptionKeyEntry("local1");
    const r = parseEncryptionKeys(entry);
    if (!r.ok) throw new Error(r.problems.join("; "));
    expect(r.keys[0]!.id).toBe("local1");
    expect(generateEncryptionKeyEntry("local1")).not.toBe(entry);
  });
});
