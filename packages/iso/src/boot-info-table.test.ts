import { describe, expect, it } from "vitest";
import { bootInfoChecksum, patchBootInfoTable } from "./boot-info-table.js";

describe("the boot information table", () => {
  it("sums the little-endian words from byte 64, the last one zero-padded", () => {
    const image = new Uint8Array(73);
    image.set([1, 0, 0, 0, 2, 0, 0, 0, 0xff], 64);
    expect(bootInfoChecksum(image)).toBe(1 + 2 + 0xff);
    image.fill(0xff, 64);
    expect(bootInfoChecksum(image)).toBe((0xffffffff * 2 + 0xff) % 2 ** 32);
  });

  it("writes the PVD sector, the image's sector, its length and the checksum at byte 8, zeros to 64", () => {
    const image = new Uint8Array(2048).fill(7);
    patchBootInfoTable(image, 16, 35);
    const view = new DataView(image.buffer);
    expect([8, 12, 16].map((at) => view.getUint32(at, true))).toEqual([16, 35, 2048]);
    expect(view.getUint32(20, true)).toBe(bootInfoChecksum(image));
    expect([...image.subarray(24, 64)].every((b) => b === 0)).toBe(true);
    expect([...image.subarray(0, 8)].every((b) => b === 7)).toBe(true);
  });
});
