/**
 * The `Upstash-Signature` QStash puts on every delivery, made here for the
 * deliveries the control plane sends itself (in-process sender): an HS256 JWT
 * whose claims name the destination URL (`sub`) and the SHA-256 of the body
 * (`body`, base64url), signed with the current signing key. Receivers check
 * it with `@upstash/qstash`'s Receiver whichever sender they face.
 * WebCrypto only, so it runs on Workers and Node alike.
 */

/** How long a signature stays valid; QStash uses five minutes. */
export const SIGNATURE_TTL_SECONDS = 300;

const encoder = new TextEncoder();

function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

const base64urlJson = (value: unknown) => base64url(encoder.encode(JSON.stringify(value)));

export interface DeliverySignatureInput {
  signingKey: string;
  /** the destination exactly as it is requested: the receiver compares it with the URL it was called at */
  url: string;
  body: string;
  /** wall-clock time: receivers check iat/nbf/exp against their own clock */
  nowMs: number;
  ttlSeconds?: number;
}

export async function signDelivery(input: DeliverySignatureInput): Promise<string> {
  const now = Math.floor(input.nowMs / 1000);
  const bodyHash = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(input.body)));
  const claims = {
    iss: "Upstash",
    sub: input.url,
    iat: now,
    nbf: now,
    exp: now + (input.ttlSeconds ?? SIGNATURE_TTL_SECONDS),
    jti: `jwt_${crypto.randomUUID().replace(/-/g, "")}`,
    body: base64url(bodyHash),
  };
  const signingInput = `${base64urlJson({ alg: "HS256", typ: "JWT" })}.${base64urlJson(claims)}`;
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(input.signingKey),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(signingInput)));
  return `${signingInput}.${base64url(mac)}`;
}

/** A fresh signing key in QStash's shape (`sig_` + random), for an embedded install that has none. */
export function generateSigningKey(): string {
  return `sig_${base64url(crypto.getRandomValues(new Uint8Array(32)))}`;
}
