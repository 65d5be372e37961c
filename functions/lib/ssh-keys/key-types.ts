/**
 * The key types the store accepts, and how each one's public key and private
 * fields are laid out in an OpenSSH key file (PROTOCOL.key, RFC 4253 §6.6,
 * RFC 5656 §3.1, draft-ietf-curdle-ssh-ed25519). Security-key types (sk-*)
 * need the hardware token at hand and DSA is disabled in OpenSSH, so neither
 * can be released to an agent usefully: they are refused by name.
 */
import { bytesEqual, type SshReader, SshWriter } from "./wire.ts";

export const SUPPORTED_KEY_TYPES = [
  "ssh-ed25519",
  "ssh-rsa",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
] as const;

export type SshKeyType = (typeof SUPPORTED_KEY_TYPES)[number];

export function isSupportedKeyType(type: string): type is SshKeyType {
  return (SUPPORTED_KEY_TYPES as readonly string[]).includes(type);
}

const ED25519_PUBLIC_BYTES = 32;
const ED25519_PRIVATE_BYTES = 64;

/** Why a key's fields do not add up; the caller words it for its audience. */
export class KeyShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KeyShapeError";
  }
}

/**
 * Reads the fields after the type name in a public key blob and checks their
 * shape (the reader must then be at the end of the blob).
 */
export function readPublicFields(type: SshKeyType, reader: SshReader): void {
  if (type === "ssh-ed25519") {
    if (reader.bytes().length !== ED25519_PUBLIC_BYTES)
      throw new KeyShapeError("an ed25519 key has 32 bytes");
  } else if (type === "ssh-rsa") {
    reader.bytes(); // e
    reader.bytes(); // n
  } else {
    const curve = reader.string();
    if (`ecdsa-sha2-${curve}` !== type) throw new KeyShapeError("the curve does not match the key type");
    reader.bytes(); // Q
  }
}

/**
 * Reads one key's private fields (after the type name, before the comment)
 * and returns the public key blob they imply, so the caller can check it
 * against the blob in the file's header.
 */
export function readPrivateFields(type: SshKeyType, reader: SshReader): Uint8Array {
  const blob = new SshWriter().string(type);
  if (type === "ssh-ed25519") {
    const pub = reader.bytes();
    const priv = reader.bytes();
    if (pub.length !== ED25519_PUBLIC_BYTES || priv.length !== ED25519_PRIVATE_BYTES) {
      throw new KeyShapeError("the ed25519 fields have the wrong length");
    }
    // OpenSSH keeps seed || public key; the halves must agree
    if (!bytesEqual(priv.subarray(ED25519_PUBLIC_BYTES), pub)) {
      throw new KeyShapeError("the ed25519 private and public halves differ");
    }
    return blob.bytes(pub).finish();
  }
  if (type === "ssh-rsa") {
    const n = reader.bytes();
    const e = reader.bytes();
    for (let i = 0; i < 4; i++) reader.bytes(); // d, iqmp, p, q
    return blob.bytes(e).bytes(n).finish();
  }
  const curve = reader.string();
  const q = reader.bytes();
  reader.bytes(); // d
  return blob.string(curve).bytes(q).finish();
}

/** For messages: the accepted types, in words. */
export const SSH_KEY_TYPES_TEXT = `accepted: ${SUPPORTED_KEY_TYPES.join(", ")}`;
