import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  fatLongNameEntriesFor,
  fatLongNameEntryFromBytes,
  fatLongNameEntryToBytes,
  longNameOf,
  shortNameChecksum,
} from "./fat-long-name.js";

const root = new Uint8Array(
  readFileSync(join(import.meta.dirname, "../../../test-fixtures/iso/fat/mcopy-fat12-root-directory.bin")),
);
const entryAt = (index: number) => root.subarray(index * 32, index * 32 + 32);

describe("VFAT long names, against mcopy's", () => {
  it("reads the two entries of 'A long file name.txt' and their checksum of ALONGF~1.TXT", () => {
    const entries = [fatLongNameEntryFromBytes(entryAt(2)), fatLongNameEntryFromBytes(entryAt(3))];
    expect(entries.map((e) => [e.order, e.isLast])).toEqual([
      [2, true],
      [1, false],
    ]);
    expect(longNameOf(entries)).toBe("A long file name.txt");
    expect(entries.every((e) => e.checksum === shortNameChecksum("ALONGF~1TXT"))).toBe(true);
  });

  it("writes the same entries as mcopy, terminator and 0xFFFF padding included", () => {
    const written = fatLongNameEntriesFor("A long file name.txt", shortNameChecksum("ALONGF~1TXT")).map(
      fatLongNameEntryToBytes,
    );
    expect(Buffer.concat(written).equals(root.subarray(64, 128))).toBe(true);
  });

  it.each([
    ["exactly 13 code units", "thirteen-char", 1],
    ["14 code units", "fourteen-chars", 2],
    ["non-BMP characters (two code units each)", "emoji-😀😀.efi", 2],
    ["255 code units", "x".repeat(255), 20],
  ])("round-trips a name of %s", (_, name, count) => {
    const entries = fatLongNameEntriesFor(name, 0x5a);
    expect(entries).toHaveLength(count);
    const back = entries.map((e) => fatLongNameEntryFromBytes(fatLongNameEntryToBytes(e)));
    expect(longNameOf(back)).toBe(name);
  });

  it("refuses a name longer than 255 code units", () => {
    expect(() => fatLongNameEntriesFor("x".repeat(256), 0)).toThrow(
      expect.objectContaining({ code: "ISO_BAD_TREE" }),
    );
  });
});
