/**
 * The stored form of an encrypted value: `v1.<keyId>.<nonce>.<sealed>`, the
 * nonce (12 bytes) and the AES-GCM output (ciphertext then 16-byte tag) in
 * unpadded base64url. Self-describing so any reader finds the key it needs
 * and a rotation can tell old values from new without decrypting them.
 * Key ids and base64url contain no dot, so the split is unambiguous.
 */
import { base64urlToBytes, bytesToBase64url } from "./base64.ts";
import { DecryptionError } from "./decryption-error.ts";
import { KEY_ID_PATTERN } from "./encryption-keys.ts";

export const ENVELOPE_VERSION = "v1";
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;

export interface Envelope {
  keyId: string;
  nonce: Uint8Array;
  /** ciphertext followed by the GCM tag */
  sealed: Uint8Array;
}

export function formatEnvelope(envelope: Envelope): string {
  return [
    ENVELOPE_VERSION,
    envelope.keyId,
    bytesToBase64url(envelope.nonce),
    bytesToBase64url(envelope.sealed),
  ].join(".");
}

const malformed = (why: string) => new DecryptionError("malformed", `malformed ciphertext: ${why}`);

export function parseEnvelope(text: string): Envelope {
  const parts = text.split(".");
  if (parts.length !== 4) throw malformed(`expected ${ENVELOPE_VERSION}.<keyId>.<nonce>.<data>`);
  const [version, keyId, nonceText, sealedText] = parts as [string, string, string, string];
  if (version !== ENVELOPE_VERSION) throw malformed("unsupported format version");
  if (!KEY_ID_PATTERN.test(keyId)) throw malformed("the key id is not a valid key id");
  const nonce = base64urlToBytes(nonceText);
  if (nonce === undefined || nonce.length !== NONCE_BYTES) {
    throw malformed(`the nonce is not ${NONCE_BYTES} bytes`);
  }
  const sealed = base64urlToBytes(sealedText);
  if (sealed === undefined || sealed.length < TAG_BYTES) {
    throw malformed("the data is not base64url or too short");
  }
  return { keyId, nonce, sealed };
}
