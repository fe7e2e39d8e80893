import { describe, expect, it } from "vitest";
import { isohybridMbrToBytes, isohybridPaddedBytes } from "./isohybrid-mbr.js";

const template = new Uint8Array(432).fill(0xcc);
const MiB = 1024 * 1024;

describe("isohybridMbrToBytes", () => {
  it("writes isohybrid's MBR: code, boot image sector × 4, signature, one active 0x17 partition", () => {
    const mbr = isohybridMbrToBytes({
      template,
      bootImageLba: 32,
      imageBytes: 10 * MiB,
      diskSignature: 0x12345678,
    });
    const view = new DataView(mbr.buffer);
    expect(mbr.subarray(0, 432).every((b) => b === 0xcc)).toBe(true);
    expect(view.getUint32(432, true)).toBe(128);
    expect(view.getUint32(440, true)).toBe(0x12345678);
    expect([...mbr.subarray(446, 454)]).toEqual([0x80, 0, 1, 0, 0x17, 63, 32, 9]);
    expect([view.getUint32(454, true), view.getUint32(458, true)]).toEqual([0, 20480]);
    expect(mbr.subarray(462, 510).every((b) => b === 0)).toBe(true);
    expect([mbr[510], mbr[511]]).toEqual([0x55, 0xaa]);
  });

  it("puts cylinder bits 8-9 in the sector byte", () => {
    const mbr = isohybridMbrToBytes({ template, bootImageLba: 32, imageBytes: 300 * MiB, diskSignature: 0 });
    expect([...mbr.subarray(451, 454)]).toEqual([63, 32 + ((299 & 0x300) >> 2), 299 & 0xff]);
  });

  it("with an EFI image: partition 1 of type 0, partition 2 of type 0xEF over the image", () => {
    const mbr = isohybridMbrToBytes({
      template,
      bootImageLba: 32,
      imageBytes: 4 * MiB,
      efi: { lba: 40, sectors512: 2880 },
      diskSignature: 1,
    });
    const view = new DataView(mbr.buffer);
    expect(mbr[450]).toBe(0x00);
    expect([...mbr.subarray(462, 470)]).toEqual([0x00, 0xfe, 0xff, 0xff, 0xef, 0xfe, 0xff, 0xff]);
    expect([view.getUint32(470, true), view.getUint32(474, true)]).toEqual([160, 2880]);
  });
});

describe("isohybridPaddedBytes", () => {
  it.each([
    [1, MiB],
    [MiB, MiB],
    [MiB + 2048, 2 * MiB],
  ])("%i → %i", (bytes, want) => expect(isohybridPaddedBytes(bytes)).toBe(want));
});
