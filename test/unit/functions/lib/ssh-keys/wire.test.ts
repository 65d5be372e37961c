/**
 * The SSH wire reader and writer: what one writes the other reads back, the
 * encoding is big-endian with 4-byte length prefixes (RFC 4251 §5), and a
 * read past the end is a TruncatedError, never a short value.
 */
import { describe, expect, it } from "vitest";
import {
  bytesEqual,
  SshReader,
  SshWriter,
  TruncatedError,
} from "../../../../../functions/lib/ssh-keys/wire.ts";

describe("SshWriter and SshReader", () => {
  it("round-trips uint32s, strings, byte strings and raw bytes", () => {
    const bytes = new SshWriter()
      .uint32(0xdeadbeef)
      .string("ssh-ed25519")
      .bytes(Uint8Array.of(1, 2, 3))
      .raw(Uint8Array.of(9))
      .finish();
    const reader = new SshReader(bytes);
    expect(reader.uint32()).toBe(0xdeadbeef);
    expect(reader.string()).toBe("ssh-ed25519");
    expect([...reader.bytes()]).toEqual([1, 2, 3]);
    expect([...reader.raw(1)]).toEqual([9]);
    expect(reader.remaining).toBe(0);
  });

  it("writes the RFC 4251 encoding", () => {
    expect([...new SshWriter().string("ab").finish()]).toEqual([0, 0, 0, 2, 0x61, 0x62]);
    expect([...new SshWriter().uint32(258).finish()]).toEqual([0, 0, 1, 2]);
  });

  it("reads from a view into a larger buffer at its own offset", () => {
    const outer = new Uint8Array([7, 7, 0, 0, 0, 5, 7]);
    expect(new SshReader(outer.subarray(2, 6)).uint32()).toBe(5);
  });

  it("throws TruncatedError for a length that runs past the end", () => {
    const announcesTen = new SshWriter().uint32(10).raw(Uint8Array.of(1, 2)).finish();
    expect(() => new SshReader(announcesTen).bytes()).toThrow(TruncatedError);
    expect(() => new SshReader(Uint8Array.of(0, 0)).uint32()).toThrow(TruncatedError);
    expect(() => new SshReader(new Uint8Array(0)).raw(1)).toThrow(TruncatedError);
  });

  it("refuses strings that are not UTF-8", () => {
    const bad = new SshWriter().bytes(Uint8Array.of(0xff, 0xfe)).finish();
    expect(() => new SshReader(bad).string()).toThrow(TypeError);
  });

  it("compares bytes", () => {
    expect(bytesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2))).toBe(true);
    expect(bytesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 3))).toBe(false);
    expect(bytesEqual(Uint8Array.of(1), Uint8Array.of(1, 2))).toBe(false);
  });
});
