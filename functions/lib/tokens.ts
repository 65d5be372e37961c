/**
 * Bearer tokens: `ksp_<kind>_` followed by 43 base64url characters (32 random
 * bytes). Only the SHA-256 of a token is stored. Random bytes come from Web
 * Crypto, hashing from node:crypto, both available on Node 20 and in Workers
 * (nodejs_compat).
 */
import { createHash } from "node:crypto";

export const TOKEN_PREFIXES = {
  /** API tokens for people and automation (every role, not only admin). */
  api: "ksp_adm_",
  /** One-time cluster registration tokens. */
  registration: "ksp_reg_",
  /** Long-lived agent credentials. */
  agent: "ksp_agt_",
} as const;

export type TokenKind = keyof typeof TOKEN_PREFIXES;

const RANDOM_BYTES = 32;
/** Characters kept in the clear in `display_prefix`, so people can tell tokens apart. */
const DISPLAY_PREFIX_LENGTH = 12;
const GENERATED_BODY = /^[A-Za-z0-9_-]{43}$/;

function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function generateToken(kind: TokenKind): string {
  const bytes = new Uint8Array(RANDOM_BYTES);
  crypto.getRandomValues(bytes);
  return TOKEN_PREFIXES[kind] + base64url(bytes);
}

/** True for a token exactly as `generateToken(kind)` makes them. */
export function isGeneratedToken(token: string, kind: TokenKind): boolean {
  const prefix = TOKEN_PREFIXES[kind];
  return token.startsWith(prefix) && GENERATED_BODY.test(token.slice(prefix.length));
}

/** Lowercase hex SHA-256 of the token's UTF-8 bytes. */
export async function hashToken(token: string): Promise<string> {
  // node:crypto (Node, and workerd with nodejs_compat) hashes synchronously;
  // WebCrypto's digest hops to a worker thread, which on every authenticated
  // request cost more than the rest of the authentication together.
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/**
 * Compares two strings in time that depends only on their lengths, so a
 * caller comparing secrets (or their hashes) leaks nothing about where they
 * first differ.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  const n = Math.max(x.length, y.length);
  for (let i = 0; i < n; i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

/** True when `token` hashes to `expectedHash`. */
export async function tokenMatchesHash(token: string, expectedHash: string): Promise<boolean> {
  return constantTimeEqual(await hashToken(token), expectedHash);
}

export function tokenDisplayPrefix(token: string): string {
  return token.slice(0, DISPLAY_PREFIX_LENGTH);
}
