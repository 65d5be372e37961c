import protobuf from "protobufjs";
import { describe, expect, it } from "vitest";
import { ProtobufWriter } from "../../../proto/protobuf-writer.ts";

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

describe("ProtobufWriter", () => {
  it("writes tags, varints and strings like protobufjs", () => {
    const ours = new ProtobufWriter().string(1, "héllo").int64(2, 300).int32(3, 1).string(20, "").finish();
    const reference = protobuf.Writer.create();
    reference.uint32((1 << 3) | 2).string("héllo");
    reference.uint32((2 << 3) | 0).int64(300);
    reference.uint32((3 << 3) | 0).int32(1);
    reference.uint32((20 << 3) | 2).string("");
    expect(hex(ours)).toBe(hex(reference.finish()));
  });

  it("skips undefined strings but keeps empty ones", () => {
    expect(hex(new ProtobufWriter().string(1, undefined).finish())).toBe("");
    expect(hex(new ProtobufWriter().string(1, "").finish())).toBe("0a00");
  });

  it("writes negative int64 and int32 as ten-byte two's complement", () => {
    expect(hex(new ProtobufWriter().int64(1, -1).finish())).toBe("08ffffffffffffffffff01");
    expect(hex(new ProtobufWriter().int32(1, -2).finish())).toBe("08feffffffffffffffff01");
    expect(hex(new ProtobufWriter().int64(1, 2n ** 62n).finish())).toBe("08808080808080808040");
  });

  it("length-prefixes nested messages, including ones over 127 bytes", () => {
    const long = "x".repeat(200);
    const bytes = new ProtobufWriter().message(2, (inner) => inner.string(1, long)).finish();
    // outer tag 0x12, outer length 203 = varint cb 01, inner tag 0x0a, inner length 200 = c8 01
    expect(hex(bytes.subarray(0, 6))).toBe("12cb010ac801");
    expect(bytes.length).toBe(206);
  });

  it("writes map entries as key = 1 / value = 2 messages in byte order", () => {
    const bytes = new ProtobufWriter()
      .map(5, { b: "2", a: "1" }, (entry, value) => entry.string(2, value))
      .finish();
    expect(hex(bytes)).toBe("2a060a0161120131" + "2a060a0162120132");
  });
});
