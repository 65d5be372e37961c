/**
 * The `Upstash-Signature` QStash puts on every delivery: an HS256 JWT over the
 * destination URL and a SHA-256 of the body, signed with the current signing
 * key. `@upstash/qstash`'s Receiver.verify checks exactly these claims.
 */
import { createHash, createHmac, randomBytes } from "node:crypto";

const b64url = (data: Buffer | string) => Buffer.from(data).toString("base64url");

export interface SignatureInput {
  signingKey: string;
  url: string;
  body: Buffer;
  nowMs: number;
  /** How long the token stays valid; QStash uses five minutes. */
  ttlSeconds?: number;
}

export function signDelivery({ signingKey, url, body, nowMs, ttlSeconds = 300 }: SignatureInput): string {
  const now = Math.floor(nowMs / 1000);
  const header = { alg: "HS256", typ: "JWT" };
  const claims = {
    iss: "Upstash",
    sub: url,
    iat: now,
    nbf: now,
    exp: now + ttlSeconds,
    jti: `jwt_${randomBytes(12).toString("hex")}`,
    body: b64url(createHash("sha256").update(body).digest()),
  };
  const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const signature = createHmac("sha256", signingKey).update(signingInput).digest("base64url");
  return `${signingInput}.${signature}`;
}

export function randomSigningKey(): string {
  return `sig_${randomBytes(18).toString("base64url")}`;
}
