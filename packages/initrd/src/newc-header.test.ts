import { describe, expect, it } from "vitest";
import {
  decodeNewcHeader,
  encodeNewcHeader,
  NEWC_HEADER_SIZE,
  type NewcHeaderFields,
  pad4,
} from "./newc-header.js";
import { rejection } from "./test-support/streams.js";

const FIELDS: Omit<NewcHeaderFields, "magic"> = {
  ino: 721,
  mode: 0o100755,
  uid: 1000,
  gid: 0xffff_ffff,
  nlink: 1,
  mtime: 1_492_533_000,
  fileSize: 5,
  devMajor: 3,
  devMinor: 1,
  rdevMajor: 0,
  rdevMinor: 0,
  nameSize: 4,
  check: 0,
};

function encode(fields: Omit<NewcHeaderFields, "magic">): Uint8Array {
  const out = new Uint8Array(NEWC_HEADER_SIZE);
  encodeNewcHeader(fields, out, 0, "x");
  return out;
}

describe("newc header", () => {
  it("encodes thirteen lowercase 8-digit hex fields after the magic", () => {
    const text = Buffer.from(encode(FIELDS)).toString("latin1");
    expect(text).toBe(
      "070701" +
        "000002d1000081ed000003e8ffffffff0000000158f63f0800000005" +
        "00000003000000010000000000000000" +
        "0000000400000000",
    );
  });

  it("decodes what it encodes, and uppercase hex as GNU cpio writes it", () => {
    const bytes = encode(FIELDS);
    expect(decodeNewcHeader(bytes, 0)).toEqual({ magic: "070701", ...FIELDS });
    const upper = new TextEncoder().encode(Buffer.from(bytes).toString("latin1").toUpperCase());
    expect(decodeNewcHeader(upper, 0)).toEqual({ magic: "070701", ...FIELDS });
  });

  it.each([
    ["uid", -1],
    ["gid", 2 ** 32],
    ["mtime", 1.5],
    ["fileSize", Number.NaN],
    ["rdevMajor", Number.POSITIVE_INFINITY],
  ] as const)("refuses %s = %d", async (field, value) => {
    const error = await rejection((async () => encode({ ...FIELDS, [field]: value }))());
    expect(error).toMatchObject({ code: "INITRD_FIELD_OUT_OF_RANGE", data: { path: "x" } });
  });

  it.each([
    ["odc", "070707", /odc/],
    ["old binary", "\xc7\x71abcd", /old binary/],
    ["gzip", "\x1f\x8b\x08\x00\x00\x00", /readInitrd/],
    ["text", "hello!", /expected the newc magic/],
  ])("refuses %s magic", (_name, magic, hint) => {
    const bytes = encode(FIELDS);
    bytes.set(Buffer.from(magic, "latin1"));
    expect(() => decodeNewcHeader(bytes, 512)).toThrow(hint);
    expect(() => decodeNewcHeader(bytes, 512)).toThrow(expect.objectContaining({ code: "INITRD_BAD_MAGIC" }));
  });

  it("accepts the crc magic and refuses a non-hex digit", () => {
    const bytes = encode(FIELDS);
    bytes.set(Buffer.from("070702"));
    expect(decodeNewcHeader(bytes, 0).magic).toBe("070702");
    bytes[6 + 8 * 2 + 3] = "g".charCodeAt(0);
    expect(() => decodeNewcHeader(bytes, 40)).toThrow(
      expect.objectContaining({
        code: "INITRD_BAD_HEADER",
        message: expect.stringMatching(/uid is "000g03e8"/),
      }),
    );
  });

  it.each([
    [0, 0],
    [1, 3],
    [2, 2],
    [3, 1],
    [4, 0],
    [113, 3],
  ])("pad4(%d) = %d", (length, want) => expect(pad4(length)).toBe(want));
});
