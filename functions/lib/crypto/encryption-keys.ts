/**
 * KSP_ENCRYPTION_KEYS: `id:base64key,id:base64key,...`, newest first. The
 * first key encrypts; every key decrypts, so a rotation adds a key in front
 * and drops the old one only after every value was re-encrypted. Problems
 * name the entry by position and id and never echo key material, because
 * they end up in start-up logs.
 */
import { base64ToBytes, bytesToBase64 } from "./base64.ts";

export const KEY_ID_PATTERN = /^[a-z0-9_-]{1,32}$/;
/** AES-256 */
export const KEY_BYTES = 32;

/** Logged once at start where there is no keyring (a DATABASE_URL install or a Worker without the variable). */
export const NO_ENCRYPTION_KEYS =
  "KSP_ENCRYPTION_KEYS is not set: storing secrets (kubeconfigs, SSH keys) is unavailable until it is";

export interface EncryptionKey {
  id: string;
  /** exactly KEY_BYTES of key */
  key: Uint8Array;
}

export type EncryptionKeysResult = { ok: true; keys: EncryptionKey[] } | { ok: false; problems: string[] };

function parseEntry(entry: string, position: number): EncryptionKey | string {
  const where = `entry ${position}`;
  const colon = entry.indexOf(":");
  if (colon < 0) return `${where}: must be id:base64key`;
  const id = entry.slice(0, colon).trim();
  const encoded = entry.slice(colon + 1).trim();
  // an id that does not fit the pattern may be half a key pasted in the wrong place: not echoed
  if (!KEY_ID_PATTERN.test(id)) return `${where}: the key id must be 1 to 32 characters of a-z 0-9 _ -`;
  const key = base64ToBytes(encoded);
  if (key === undefined) return `${where} (id "${id}"): the key is not valid base64`;
  if (key.length !== KEY_BYTES) {
    return `${where} (id "${id}"): the key must be ${KEY_BYTES} bytes after base64 decoding, not ${key.length}`;
  }
  return { id, key };
}

export function parseEncryptionKeys(raw: string): EncryptionKeysResult {
  const entries = raw.split(",").map((e) => e.trim());
  if (entries.every((e) => e === "")) {
    return { ok: false, problems: ["must list at least one key as id:base64key"] };
  }
  const problems: string[] = [];
  const keys: EncryptionKey[] = [];
  const seen = new Set<string>();
  entries.forEach((entry, i) => {
    const position = i + 1;
    if (entry === "") {
      problems.push(`entry ${position}: is empty`);
      return;
    }
    const parsed = parseEntry(entry, position);
    if (typeof parsed === "string") {
      problems.push(parsed);
      return;
    }
    if (seen.has(parsed.id)) {
      problems.push(`entry ${position} (id "${parsed.id}"): the key id is already used by an earlier entry`);
      return;
    }
    seen.add(parsed.id);
    keys.push(parsed);
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, keys };
}

/** A fresh key in the list's own syntax, so it can be moved into KSP_ENCRYPTION_KEYS as it is. */
export function generateEncryptionKeyEntry(id: string): string {
  return `${id}:${bytesToBase64(crypto.getRandomValues(new Uint8Array(KEY_BYTES)))}`;
}
