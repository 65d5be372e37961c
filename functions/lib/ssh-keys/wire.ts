/**
 * The SSH wire encoding (RFC 4251 §5) that OpenSSH key files are made of:
 * big-endian uint32s and length-prefixed byte strings. Only what key files
 * need; plain Uint8Array and DataView, so it runs on Workers and Node alike.
 * A read past the end throws TruncatedError: callers turn it into the answer
 * their caller should see.
 */

export class TruncatedError extends Error {
  constructor() {
    super("the data ends before a field it announces");
    this.name = "TruncatedError";
  }
}

const decoder = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();

export class SshReader {
  #pos = 0;

  constructor(private readonly data: Uint8Array) {}

  get remaining(): number {
    return this.data.length - this.#pos;
  }

  uint32(): number {
    const end = this.take(4);
    const view = new DataView(this.data.buffer, this.data.byteOffset + end - 4, 4);
    return view.getUint32(0);
  }

  /** A length-prefixed byte string (also an mpint, kept as its raw bytes). */
  bytes(): Uint8Array {
    const length = this.uint32();
    const end = this.take(length);
    return this.data.subarray(end - length, end);
  }

  /** A length-prefixed string as text; bytes that are not UTF-8 throw a TypeError. */
  string(): string {
    return decoder.decode(this.bytes());
  }

  /** Exactly `length` bytes with no prefix (magic numbers, padding). */
  raw(length: number): Uint8Array {
    const end = this.take(length);
    return this.data.subarray(end - length, end);
  }

  private take(length: number): number {
    if (length > this.remaining) throw new TruncatedError();
    this.#pos += length;
    return this.#pos;
  }
}

export class SshWriter {
  private readonly parts: Uint8Array[] = [];
  #length = 0;

  get length(): number {
    return this.#length;
  }

  uint32(value: number): this {
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setUint32(0, value);
    return this.raw(bytes);
  }

  bytes(value: Uint8Array): this {
    return this.uint32(value.length).raw(value);
  }

  string(value: string): this {
    return this.bytes(encoder.encode(value));
  }

  raw(value: Uint8Array): this {
    this.parts.push(value);
    this.#length += value.length;
    return this;
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.#length);
    let at = 0;
    for (const part of this.parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
