/**
 * A new ed25519 key pair through WebCrypto (Workers and Node alike), written
 * as the unencrypted OpenSSH private key file ssh-keygen would write: one
 * key, cipher and KDF "none", a random check number twice, the key, its
 * comment, and padding to 8 bytes.
 */
import { armor } from "./armor.ts";
import { SshWriter } from "./wire.ts";

const TYPE = "ssh-ed25519";
const MAGIC = new TextEncoder().encode("openssh-key-v1\0");
/** A PKCS#8 ed25519 key is this fixed DER prefix and then the 32-byte seed (RFC 8410). */
const PKCS8_PREFIX = [
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];
const SEED_BYTES = 32;
const PLAIN_BLOCK = 8;

export interface GeneratedKey {
  algorithm: typeof TYPE;
  /** the OpenSSH private key file's text */
  privateKey: string;
  publicBlob: Uint8Array;
}

export async function generateEd25519(comment: string): Promise<GeneratedKey> {
  const pair = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, [
    "sign",
    "verify",
  ])) as CryptoKeyPair;
  const pub = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", pair.privateKey));
  if (pkcs8.length !== PKCS8_PREFIX.length + SEED_BYTES || PKCS8_PREFIX.some((b, i) => pkcs8[i] !== b)) {
    throw new Error("the runtime exported an ed25519 key in an unexpected PKCS#8 form");
  }
  const seed = pkcs8.subarray(PKCS8_PREFIX.length);
  const publicBlob = new SshWriter().string(TYPE).bytes(pub).finish();
  const secret = new Uint8Array(SEED_BYTES + pub.length);
  secret.set(seed);
  secret.set(pub, SEED_BYTES);
  const check = crypto.getRandomValues(new Uint32Array(1))[0]!;
  const section = new SshWriter()
    .uint32(check)
    .uint32(check)
    .string(TYPE)
    .bytes(pub)
    .bytes(secret)
    .string(comment);
  for (let pad = 1; section.length % PLAIN_BLOCK !== 0; pad++) section.raw(Uint8Array.of(pad));
  const file = new SshWriter()
    .raw(MAGIC)
    .string("none")
    .string("none")
    .bytes(new Uint8Array(0))
    .uint32(1)
    .bytes(publicBlob)
    .bytes(section.finish())
    .finish();
  secret.fill(0);
  pkcs8.fill(0);
  return { algorithm: TYPE, privateKey: armor(file), publicBlob };
}
