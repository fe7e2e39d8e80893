import { describe, expect, it } from "vitest";
import { decodeTarHeader, encodeTarHeader, isZeroBlock, parseTarNumber } from "./tar-header.js";
import { fields } from "./test-support/tar-fixtures.js";

const bytes = (...values: number[]) => Uint8Array.from(values);
const ascii = (text: string) => new TextEncoder().encode(text);

describe("parseTarNumber", () => {
  it.each([
    ["octal with NUL", ascii("0000644\0"), 0o644],
    ["octal with spaces", ascii("  755 \0"), 0o755],
    ["empty", new Uint8Array(8), 0],
    ["base-256 positive", bytes(0x80, 0, 0, 0, 0, 0, 0x01, 0x00), 256],
    ["base-256 2^33", bytes(0x80, 0, 0, 0, 0, 0, 0, 0x02, 0, 0, 0, 0), 2 ** 33],
    ["base-256 negative", bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe), -2],
  ])("%s", (_name, input, want) => {
    expect(parseTarNumber(input, "t")).toBe(want);
  });

  it.each([
    ["not octal", ascii("0000899\0")],
    ["base-256 overflow", bytes(0x80, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)],
  ])("rejects %s", (_name, input) => {
    expect(() => parseTarNumber(input, "t")).toThrow(expect.objectContaining({ code: "OCI_BAD_LAYER" }));
  });
});

describe("tar header codec", () => {
  it("round trips every ustar field, prefix included", () => {
    const written = fields({
      name: "name",
      prefix: "some/prefix",
      mode: 0o4755,
      uid: 2_097_151,
      gid: 7,
      size: 8 ** 11 - 1,
      mtime: 1_234_567_890,
      typeflag: "3",
      linkname: "target",
      uname: "user",
      gname: "group",
      devMajor: 4095,
      devMinor: 1_048_575,
    });
    const block = encodeTarHeader(written);
    expect(block.length).toBe(512);
    const { prefix, ...rest } = written;
    expect(decodeTarHeader(block, "t")).toEqual({ ...rest, name: `${prefix}/${rest.name}` });
  });

  it("rejects a bad checksum, accepts the historic signed sum", () => {
    const block = encodeTarHeader(fields({ name: "é" }));
    const flipped = Uint8Array.from(block);
    flipped[10] = 1;
    expect(() => decodeTarHeader(flipped, "layer x")).toThrow(
      expect.objectContaining({ code: "OCI_BAD_LAYER" }),
    );
    // Signed checksum: recompute treating bytes ≥ 0x80 as negative.
    let signed = 0;
    for (const [i, b] of block.entries()) signed += i >= 148 && i < 156 ? 32 : b >= 128 ? b - 256 : b;
    const old = Uint8Array.from(block);
    old.set(ascii(`${signed.toString(8).padStart(6, "0")}\0 `), 148);
    expect(decodeTarHeader(old, "t").name).toBe("é");
  });

  it("reads GNU headers without a prefix and v7 headers without owner names", () => {
    const gnu = Uint8Array.from(encodeTarHeader(fields({ name: "n", uname: "root" })));
    gnu.set(ascii("ustar  \0"), 257);
    gnu.set(ascii("junk"), 345); // GNU keeps atime there, not a prefix
    fixChecksum(gnu);
    expect(decodeTarHeader(gnu, "t")).toMatchObject({ name: "n", uname: "root" });
    const v7 = Uint8Array.from(encodeTarHeader(fields({ name: "n", uname: "root" })));
    v7.fill(0, 257, 500);
    fixChecksum(v7);
    expect(decodeTarHeader(v7, "t")).toMatchObject({ name: "n", uname: "" });
  });

  it("knows a zero block", () => {
    expect(isZeroBlock(new Uint8Array(512))).toBe(true);
    expect(isZeroBlock(encodeTarHeader(fields({})))).toBe(false);
  });
});

function fixChecksum(block: Uint8Array): void {
  block.fill(32, 148, 156);
  const sum = block.reduce((a, b) => a + b, 0);
  block.set(ascii(`${sum.toString(8).padStart(6, "0")}\0 `), 148);
}
