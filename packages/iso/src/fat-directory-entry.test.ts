import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FAT_ATTR, fatDirectoryEntryFromBytes, fatDirectoryEntryToBytes } from "./fat-directory-entry.js";

const root = new Uint8Array(
  readFileSync(join(import.meta.dirname, "../../../test-fixtures/iso/fat/mcopy-fat12-root-directory.bin")),
);
const entryAt = (index: number) => root.subarray(index * 32, index * 32 + 32);
const stamp = { date: 0x4a92, time: 0x83c0 }; // 2017-04-18 16:30:00, from touch -d in make-fixtures.sh

describe("FAT short directory entries, against mcopy's", () => {
  it.each([
    [
      1,
      { shortName: "README  TXT", attributes: FAT_ATTR.archive, ntReserved: 0, firstCluster: 2, fileSize: 7 },
    ],
    [4, { shortName: "ALONGF~1TXT", attributes: FAT_ATTR.archive, firstCluster: 3, fileSize: 5 }],
    // mtools stores all-lower-case 8.3 names with Windows NT's lower-case flags (0x08 base, 0x10 ext).
    [6, { shortName: "BIG     BIN", ntReserved: 0x18, firstCluster: 5, fileSize: 5000 }],
    [7, { shortName: "EFI        ", attributes: FAT_ATTR.directory, firstCluster: 15, fileSize: 0 }],
    [0, { shortName: "FILES      ", attributes: FAT_ATTR.volumeId, firstCluster: 0 }],
  ])("reads entry %i", (index, fields) => {
    const entry = fatDirectoryEntryFromBytes(entryAt(index));
    expect(entry).toMatchObject(fields);
    if (index > 0) expect(entry).toMatchObject({ written: stamp, accessedDate: stamp.date });
  });

  it("writes every short entry back byte for byte", () => {
    for (const index of [0, 1, 4, 5, 6, 7]) {
      const bytes = entryAt(index);
      expect(Buffer.from(fatDirectoryEntryToBytes(fatDirectoryEntryFromBytes(bytes))).equals(bytes)).toBe(
        true,
      );
    }
  });

  it("splits a FAT32 first cluster into DIR_FstClusHI and DIR_FstClusLO", () => {
    const entry = { ...fatDirectoryEntryFromBytes(entryAt(1)), firstCluster: 0x0123_4567 };
    const bytes = fatDirectoryEntryToBytes(entry);
    expect([bytes[20], bytes[21], bytes[26], bytes[27]]).toEqual([0x23, 0x01, 0x67, 0x45]);
    expect(fatDirectoryEntryFromBytes(bytes).firstCluster).toBe(0x0123_4567);
  });

  it("reads a leading 0x05 as 0xE5 and writes it back as 0x05 (§6.1)", () => {
    const bytes = Uint8Array.from(entryAt(1));
    bytes[0] = 0x05;
    const entry = fatDirectoryEntryFromBytes(bytes);
    expect(entry.shortName.charCodeAt(0)).toBe(0xe5);
    expect(fatDirectoryEntryToBytes(entry)[0]).toBe(0x05);
  });

  it("refuses a DIR_Name that is not 11 single-byte characters", () => {
    const entry = { ...fatDirectoryEntryFromBytes(entryAt(1)), shortName: "README.TXT" };
    expect(() => fatDirectoryEntryToBytes(entry)).toThrow(expect.objectContaining({ code: "ISO_BAD_TREE" }));
  });
});
