/**
 * Reads an OpenSSH private key file (PROTOCOL.key: "openssh-key-v1") as
 * ssh-keygen writes it, without decrypting anything: the public key sits in
 * the clear in the header, so the type and fingerprint are known even for a
 * passphrase-protected key. An unencrypted key is checked through: its two
 * check numbers, that its private fields imply the header's public key, and
 * its padding. An encrypted one cannot be opened here (that would take
 * bcrypt_pbkdf, seconds of CPU a Worker does not have), so a wrong
 * passphrase shows only when the agent uses the key.
 *
 * Every failure is a validation_failed AppError whose message says what is
 * wrong and never echoes the key.
 */
import { AppError } from "../errors.ts";
import { unarmor } from "./armor.ts";
import {
  isSupportedKeyType,
  KeyShapeError,
  readPrivateFields,
  readPublicFields,
  SSH_KEY_TYPES_TEXT,
} from "./key-types.ts";
import { bytesEqual, SshReader, TruncatedError } from "./wire.ts";

const MAGIC = new TextEncoder().encode("openssh-key-v1\0");

/** The ciphers ssh-keygen can protect a key with (`ssh -Q cipher`), and each one's AEAD tag length. */
const CIPHER_TAG_BYTES: Readonly<Record<string, number>> = {
  "aes128-ctr": 0,
  "aes192-ctr": 0,
  "aes256-ctr": 0,
  "aes128-cbc": 0,
  "aes192-cbc": 0,
  "aes256-cbc": 0,
  "3des-cbc": 0,
  "aes128-gcm@openssh.com": 16,
  "aes256-gcm@openssh.com": 16,
  "chacha20-poly1305@openssh.com": 16,
};
/** The block size the private section is padded to when it is not encrypted. */
const PLAIN_BLOCK = 8;

export interface ParsedPrivateKey {
  /** the key type: ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256, ... */
  algorithm: string;
  /** the public key blob (what authorized_keys carries in base64, and the fingerprint hashes) */
  publicBlob: Uint8Array;
  /** whether a passphrase is needed to use the key (its cipher is not "none") */
  encrypted: boolean;
}

const invalid = (message: string, details: Record<string, unknown> = {}) =>
  new AppError("validation_failed", `privateKey: ${message}`, { path: "privateKey", ...details });

const CONVERT_HINT =
  "give it in OpenSSH format (-----BEGIN OPENSSH PRIVATE KEY-----); convert a key file in place with " +
  "`ssh-keygen -p -f <file>` (it rewrites the file in OpenSSH format, keeping or changing its passphrase)";

export function parseOpenSshPrivateKey(text: string): ParsedPrivateKey {
  const unarmored = unarmor(text);
  if (!unarmored.ok) {
    switch (unarmored.problem) {
      case "not_openssh":
        if (/^(ssh-|ecdsa-|sk-)/.test(text.trim())) {
          throw invalid("this is a public key; give the private key file (the one without .pub)");
        }
        throw invalid(
          unarmored.label === null
            ? `not an OpenSSH private key: ${CONVERT_HINT}`
            : `a PEM "${unarmored.label}" block is not an OpenSSH private key: ${CONVERT_HINT}`,
          { format: unarmored.label ?? "unknown" },
        );
      case "no_end":
        throw invalid("the key is truncated: the -----END OPENSSH PRIVATE KEY----- line is missing");
      case "extra_text":
        throw invalid("there is text after the -----END OPENSSH PRIVATE KEY----- line; give one key only");
      case "not_base64":
        throw invalid("the text between the BEGIN and END lines is not valid base64 (was it cut or edited?)");
    }
  }
  try {
    return readKeyFile(unarmored.bytes);
  } catch (err) {
    if (err instanceof TruncatedError)
      throw invalid("the key is truncated or corrupt: a field runs past its end");
    if (err instanceof KeyShapeError) throw invalid(`the key is corrupt: ${err.message}`);
    // a string field that is not UTF-8 (TextDecoder's TypeError) is a corrupt file too
    if (err instanceof TypeError) throw invalid("the key is corrupt: a name in it is not text");
    throw err;
  }
}

function readKeyFile(bytes: Uint8Array): ParsedPrivateKey {
  const reader = new SshReader(bytes);
  if (bytes.length < MAGIC.length || !bytesEqual(reader.raw(MAGIC.length), MAGIC)) {
    throw invalid("not an openssh-key-v1 key file (the body does not start with its magic)");
  }
  const cipher = reader.string();
  const kdf = reader.string();
  const kdfOptions = reader.bytes();
  const count = reader.uint32();
  if (count !== 1) throw invalid(`the file holds ${count} keys; the store takes files with exactly one`);
  const publicBlob = reader.bytes();
  const privateSection = reader.bytes();
  const algorithm = readPublicBlob(publicBlob);
  const encrypted = cipher !== "none";
  const tagBytes = encrypted ? checkEncryption(cipher, kdf, kdfOptions) : 0;
  if (reader.remaining !== tagBytes) throw invalid("the key is corrupt: unexpected bytes after the key");
  if (encrypted) {
    if (privateSection.length === 0) throw invalid("the key is corrupt: its encrypted part is empty");
  } else {
    if (kdf !== "none" || kdfOptions.length !== 0)
      throw invalid("the key is corrupt: a KDF without a cipher");
    checkPlainPrivateSection(privateSection, algorithm, publicBlob);
  }
  return { algorithm, publicBlob, encrypted };
}

function readPublicBlob(blob: Uint8Array): string {
  const reader = new SshReader(blob);
  const type = reader.string();
  if (!isSupportedKeyType(type)) {
    throw invalid(`key type ${JSON.stringify(type.slice(0, 64))} is not supported (${SSH_KEY_TYPES_TEXT})`, {
      algorithm: type.slice(0, 64),
    });
  }
  readPublicFields(type, reader);
  if (reader.remaining !== 0) throw invalid("the key is corrupt: extra bytes after its public key");
  return type;
}

function checkEncryption(cipher: string, kdf: string, kdfOptions: Uint8Array): number {
  const tag = CIPHER_TAG_BYTES[cipher];
  if (tag === undefined) {
    throw invalid(
      `the key is protected with cipher ${JSON.stringify(cipher.slice(0, 64))}, which is not supported`,
    );
  }
  if (kdf !== "bcrypt") throw invalid(`the key's KDF ${JSON.stringify(kdf.slice(0, 64))} is not supported`);
  const options = new SshReader(kdfOptions);
  options.bytes(); // salt
  options.uint32(); // rounds
  if (options.remaining !== 0) throw invalid("the key is corrupt: malformed KDF options");
  return tag;
}

function checkPlainPrivateSection(section: Uint8Array, algorithm: string, publicBlob: Uint8Array): void {
  if (section.length % PLAIN_BLOCK !== 0) throw invalid("the key is corrupt: its private part is misaligned");
  const reader = new SshReader(section);
  // two copies of one random number: they differ when a key was decrypted with the wrong passphrase
  const check = reader.uint32();
  if (reader.uint32() !== check) throw invalid("the key is corrupt: its check numbers differ");
  const type = reader.string();
  if (type !== algorithm || !isSupportedKeyType(type)) {
    throw invalid("the key is corrupt: its private part is of another type than its public part");
  }
  const implied = readPrivateFields(type, reader);
  if (!bytesEqual(implied, publicBlob)) {
    throw invalid("the key is corrupt: its private part does not match its public key");
  }
  reader.bytes(); // comment
  const padding = reader.raw(reader.remaining);
  if (padding.length >= PLAIN_BLOCK || padding.some((b, i) => b !== i + 1)) {
    throw invalid("the key is corrupt: bad padding after the private key");
  }
}
