/**
 * Envelope encryption of values at rest (kubeconfigs, SSH keys): AES-256-GCM
 * through WebCrypto, so it runs on Workers and Node alike, with a random
 * 96-bit nonce per value and the record's id as associated data, so a value
 * copied onto another record does not decrypt there. The associated data
 * also binds the format version and the key id the envelope names.
 *
 * Keys are imported lazily (non-extractable) on first use: composition roots
 * build the keyring synchronously, and Workers allow crypto only inside a
 * request.
 */
import { DecryptionError } from "./decryption-error.ts";
import type { EncryptionKey } from "./encryption-keys.ts";
import { ENVELOPE_VERSION, formatEnvelope, NONCE_BYTES, parseEnvelope } from "./envelope.ts";

const encoder = new TextEncoder();
const ALGORITHM = "AES-GCM";

export const AUTHENTICATION_FAILED =
  "authentication failed (wrong key, tampered data, or a different record)";

/** WebCrypto takes views of a plain ArrayBuffer only; a view of a shared one is copied. */
function plainBytes(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
}

function associatedData(keyId: string, aad: string): Uint8Array<ArrayBuffer> {
  // keyId has no ":" (KEY_ID_PATTERN), so the record id that follows cannot shift the boundary
  return plainBytes(encoder.encode(`ksp:${ENVELOPE_VERSION}:${keyId}:${aad}`));
}

export class Keyring {
  private readonly material: ReadonlyMap<string, Uint8Array>;
  private readonly imported = new Map<string, Promise<CryptoKey>>();
  /** the id of the key new values are encrypted with */
  readonly currentKeyId: string;
  readonly keyIds: readonly string[];

  constructor(keys: readonly EncryptionKey[]) {
    const first = keys[0];
    if (!first) throw new Error("a keyring needs at least one key");
    this.currentKeyId = first.id;
    this.keyIds = keys.map((k) => k.id);
    this.material = new Map(keys.map((k) => [k.id, k.key]));
  }

  async encrypt(plaintext: Uint8Array | string, aad: string): Promise<string> {
    const bytes = typeof plaintext === "string" ? encoder.encode(plaintext) : plaintext;
    const keyId = this.currentKeyId;
    const nonce = crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
    const sealed = await crypto.subtle.encrypt(
      { name: ALGORITHM, iv: nonce, additionalData: associatedData(keyId, aad) },
      await this.cryptoKey(keyId),
      plainBytes(bytes),
    );
    return formatEnvelope({ keyId, nonce, sealed: new Uint8Array(sealed) });
  }

  /** Throws DecryptionError (malformed, unknown key id, or authentication failed). */
  async decrypt(ciphertext: string, aad: string): Promise<Uint8Array> {
    const envelope = parseEnvelope(ciphertext);
    if (!this.material.has(envelope.keyId)) {
      throw new DecryptionError(
        "unknown_key",
        `unknown key id "${envelope.keyId}": it is not in KSP_ENCRYPTION_KEYS (was a key removed too early?)`,
        { keyId: envelope.keyId },
      );
    }
    const key = await this.cryptoKey(envelope.keyId);
    try {
      const opened = await crypto.subtle.decrypt(
        {
          name: ALGORITHM,
          iv: plainBytes(envelope.nonce),
          additionalData: associatedData(envelope.keyId, aad),
        },
        key,
        plainBytes(envelope.sealed),
      );
      return new Uint8Array(opened);
    } catch {
      // WebCrypto says only "OperationError": GCM cannot tell these causes apart either
      throw new DecryptionError("authentication_failed", AUTHENTICATION_FAILED, { keyId: envelope.keyId });
    }
  }

  async decryptString(ciphertext: string, aad: string): Promise<string> {
    const bytes = await this.decrypt(ciphertext, aad);
    try {
      // fatal: bytes that authenticated but are not UTF-8 were never a string we stored
      return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      throw new DecryptionError("malformed", "the decrypted value is not UTF-8 text");
    }
  }

  /** Whether the value was written with an older key than the current one (malformed: throws). */
  needsRotation(ciphertext: string): boolean {
    return parseEnvelope(ciphertext).keyId !== this.currentKeyId;
  }

  private cryptoKey(id: string): Promise<CryptoKey> {
    let key = this.imported.get(id);
    if (!key) {
      const raw = this.material.get(id);
      if (!raw) throw new Error(`no key "${id}" in the keyring`);
      key = crypto.subtle.importKey("raw", plainBytes(raw), ALGORITHM, false, ["encrypt", "decrypt"]);
      this.imported.set(id, key);
    }
    return key;
  }
}
