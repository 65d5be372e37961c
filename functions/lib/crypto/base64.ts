/**
 * Strict base64 and base64url for the envelope format and the key list:
 * only the canonical spelling of some bytes decodes, so a typo in a key is an
 * error rather than a different key, and no two envelope strings name the
 * same value. Plain atob/btoa, so it runs on Workers and Node alike.
 */

// String.fromCharCode(...bytes) overflows the call stack on large inputs; 32 KiB at a time does not.
const CHUNK = 0x8000;

function toBinary(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  }
  return binary;
}

function fromBinary(binary: string): Uint8Array {
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function bytesToBase64(bytes: Uint8Array): string {
  return btoa(toBinary(bytes));
}

export function bytesToBase64url(bytes: Uint8Array): string {
  return bytesToBase64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Standard base64 with its padding (what `openssl rand -base64 32` prints); undefined if it is not. */
export function base64ToBytes(text: string): Uint8Array | undefined {
  if (!BASE64.test(text)) return undefined;
  const bytes = fromBinary(atob(text));
  return bytesToBase64(bytes) === text ? bytes : undefined;
}

/** Unpadded base64url as bytesToBase64url writes it; undefined if it is not exactly that. */
export function base64urlToBytes(text: string): Uint8Array | undefined {
  // a length of 1 mod 4 cannot come from any byte string
  if (!BASE64URL.test(text) || text.length % 4 === 1) return undefined;
  const padded = text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4);
  const bytes = fromBinary(atob(padded));
  // leftover bits must be zero, or two strings would decode to the same bytes
  return bytesToBase64url(bytes) === text ? bytes : undefined;
}
