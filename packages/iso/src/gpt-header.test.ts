import { beforeAll, describe, expect, it } from "vitest";
import { makeSgdiskDisk, SGDISK_DISK } from "../test/sgdisk-disk.js";
import { gptHeaderCrc32, gptHeaderFromBytes, gptHeaderToBytes } from "./gpt-header.js";

describe("GPT header codec against sgdisk's bytes", () => {
  let disk: Uint8Array;
  beforeAll(async () => {
    disk = await makeSgdiskDisk();
  });
  const lastLba = SGDISK_DISK.sizeBytes / 512 - 1;

  it.each([
    ["primary", 1, { myLba: 1, alternateLba: lastLba, partitionEntryLba: 2 }],
    ["backup", lastLba, { myLba: lastLba, alternateLba: 1, partitionEntryLba: lastLba - 32 }],
  ])("reads the %s header and writes the same 512 bytes back", (_name, lba, where) => {
    const block = disk.subarray(lba * 512, (lba + 1) * 512);
    const header = gptHeaderFromBytes(block);
    expect(header).toMatchObject({
      ...where,
      revision: 0x10000,
      headerSizeBytes: 92,
      firstUsableLba: 34,
      lastUsableLba: lastLba - 33,
      diskGuid: SGDISK_DISK.diskGuid,
      numberOfPartitionEntries: 128,
      sizeOfPartitionEntry: 128,
    });
    expect(header.headerCrc32).toBe(gptHeaderCrc32(block));
    expect(Buffer.from(gptHeaderToBytes(header)).equals(Buffer.from(block))).toBe(true);
  });

  it("changes the header CRC when a field changes", () => {
    const header = gptHeaderFromBytes(disk.subarray(512, 1024));
    const moved = gptHeaderToBytes({ ...header, lastUsableLba: header.lastUsableLba - 1 });
    expect(gptHeaderFromBytes(moved).headerCrc32).not.toBe(header.headerCrc32);
    expect(gptHeaderFromBytes(moved).headerCrc32).toBe(gptHeaderCrc32(moved));
  });

  it("refuses a block without the EFI PART signature", () => {
    expect(() => gptHeaderFromBytes(new Uint8Array(512))).toThrow(
      expect.objectContaining({ code: "ISO_BAD_OPTION" }),
    );
  });
});
