import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fatFsInfoFromBytes, fatFsInfoToBytes } from "./fat-fsinfo.js";

const reserved = new Uint8Array(
  readFileSync(join(import.meta.dirname, "../../../test-fixtures/iso/fat/mkfs-fat32-reserved-sectors.bin")),
);

describe("FAT32 FSInfo, against mkfs.fat's", () => {
  it.each([
    ["sector 1", 1],
    ["its copy in sector 7", 7],
  ])("reads %s", (_, sector) => {
    const info = fatFsInfoFromBytes(reserved.subarray(sector * 512, sector * 512 + 512));
    // A 40 MiB volume of 1-sector clusters: 81920 - 32 reserved - 2 × 630 FAT sectors = 80628 clusters,
    // one (the root directory) in use.
    expect(info).toEqual({ freeClusterCount: 80_627, nextFreeCluster: 2 });
  });

  it("writes mkfs.fat's sector back byte for byte", () => {
    const sector = reserved.subarray(512, 1024);
    expect(Buffer.from(fatFsInfoToBytes(fatFsInfoFromBytes(sector))).equals(sector)).toBe(true);
  });

  it("refuses a sector without the FSInfo signatures", () => {
    expect(() => fatFsInfoFromBytes(reserved.subarray(0, 512))).toThrow(
      expect.objectContaining({ code: "ISO_BAD_OPTION" }),
    );
  });
});
