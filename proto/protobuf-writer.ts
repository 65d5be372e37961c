/**
 * A minimal protobuf wire-format writer: just the field kinds the Node encoder
 * needs (strings, 64/32-bit varints, nested messages and string maps).
 * Hand-written so the agent emits Kubernetes objects without generated code
 * or the full Kubernetes schema at runtime.
 */

const WIRE_VARINT = 0;
const WIRE_LENGTH_DELIMITED = 2;

const utf8 = new TextEncoder();

export class ProtobufWriter {
  private readonly bytes: number[] = [];

  /** A string field; `undefined` means "not set" and writes nothing. */
  string(field: number, value: string | undefined): this {
    if (value === undefined) return this;
    return this.lengthDelimited(field, utf8.encode(value));
  }

  /** An int64 field. Negative values take ten bytes (two's complement), as in every protobuf runtime. */
  int64(field: number, value: number | bigint): this {
    this.tag(field, WIRE_VARINT);
    this.varint(BigInt.asUintN(64, BigInt(value)));
    return this;
  }

  /** An int32 field; negative values are sign-extended to 64 bits, as the protobuf spec requires. */
  int32(field: number, value: number): this {
    return this.int64(field, value | 0);
  }

  /** A nested message field, written by `build` into its own writer and then length-prefixed. */
  message(field: number, build: (writer: ProtobufWriter) => void): this {
    const nested = new ProtobufWriter();
    build(nested);
    return this.lengthDelimited(field, nested.finish());
  }

  /**
   * A `map<string, V>` field: one entry message per key (key = 1, value = 2).
   * Keys are written in UTF-8 byte order, the order Go's marshaller uses, so
   * the same input always yields the same bytes.
   */
  map<V>(
    field: number,
    entries: Readonly<Record<string, V>>,
    writeValue: (writer: ProtobufWriter, value: V) => void,
  ): this {
    for (const key of sortedUtf8Keys(entries)) {
      this.message(field, (entry) => {
        entry.string(1, key);
        writeValue(entry, entries[key] as V);
      });
    }
    return this;
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }

  private lengthDelimited(field: number, payload: Uint8Array): this {
    this.tag(field, WIRE_LENGTH_DELIMITED);
    this.varint(BigInt(payload.length));
    for (const byte of payload) this.bytes.push(byte);
    return this;
  }

  private tag(field: number, wireType: number): void {
    this.varint(BigInt((field << 3) | wireType));
  }

  private varint(value: bigint): void {
    let rest = value;
    while (rest > 0x7fn) {
      this.bytes.push(Number(rest & 0x7fn) | 0x80);
      rest >>= 7n;
    }
    this.bytes.push(Number(rest));
  }
}

function sortedUtf8Keys(record: Readonly<Record<string, unknown>>): string[] {
  const encoded = Object.keys(record).map((key) => ({ key, bytes: utf8.encode(key) }));
  encoded.sort((a, b) => compareBytes(a.bytes, b.bytes));
  return encoded.map((entry) => entry.key);
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const diff = (a[i] as number) - (b[i] as number);
    if (diff !== 0) return diff;
  }
  return a.length - b.length;
}
