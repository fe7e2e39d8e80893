import { beforeAll, describe, expect, it } from "vitest";
import { makeSgdiskDisk, SGDISK_DISK } from "../test/sgdisk-disk.js";
import { EFI_SYSTEM_PARTITION_TYPE_GUID, LINUX_FILESYSTEM_TYPE_GUID } from "./gpt-guid.js";
import { gptHeaderFromBytes } from "./gpt-header.js";
import {
  encodePartitionName,
  gptPartitionEntryArrayCrc32,
  gptPartitionEntryArrayFromBytes,
  gptPartitionEntryArrayToBytes,
  gptPartitionEntryFromBytes,
  gptPartitionEntryToBytes,
} from "./gpt-partition-entry.js";

describe("GPT partition entries against sgdisk's bytes", () => {
  let array: Uint8Array;
  let arrayCrc32: number;
  beforeAll(async () => {
    const disk = await makeSgdiskDisk();
    array = disk.subarray(2 * 512, 34 * 512);
    arrayCrc32 = gptHeaderFromBytes(disk.subarray(512, 1024)).partitionEntryArrayCrc32;
  });

  it("reads sgdisk's entries", () => {
    const [esp, root] = SGDISK_DISK.partitions;
    expect(gptPartitionEntryArrayFromBytes(array)).toEqual([
      {
        partitionTypeGuid: EFI_SYSTEM_PARTITION_TYPE_GUID,
        uniquePartitionGuid: esp.guid,
        startingLba: esp.first,
        endingLba: esp.last,
        attributeBits: [],
        partitionName: "ESP",
      },
      {
        partitionTypeGuid: LINUX_FILESYSTEM_TYPE_GUID,
        uniquePartitionGuid: root.guid,
        startingLba: root.first,
        endingLba: root.last,
        attributeBits: [2],
        partitionName: "Linux root ü",
      },
    ]);
  });

  it("writes each entry, and the whole array with its CRC, back to the same bytes", () => {
    for (let i = 0; i < 2; i++) {
      const bytes = array.subarray(i * 128, (i + 1) * 128);
      expect(
        Buffer.from(gptPartitionEntryToBytes(gptPartitionEntryFromBytes(bytes))).equals(Buffer.from(bytes)),
      ).toBe(true);
    }
    const rewritten = gptPartitionEntryArrayToBytes(gptPartitionEntryArrayFromBytes(array), 128);
    expect(Buffer.from(rewritten).equals(Buffer.from(array))).toBe(true);
    expect(gptPartitionEntryArrayCrc32(rewritten)).toBe(arrayCrc32);
  });

  it.each([
    ["a name of 37 code units", () => encodePartitionName("x".repeat(37))],
    [
      "attribute bit 64",
      () => gptPartitionEntryToBytes({ ...gptPartitionEntryFromBytes(array), attributeBits: [64] }),
    ],
    [
      "129 entries in a 128-entry array",
      () => gptPartitionEntryArrayToBytes(Array(129).fill(gptPartitionEntryFromBytes(array)), 128),
    ],
  ])("refuses %s with ISO_BAD_OPTION", (_name, act) => {
    expect(act).toThrow(expect.objectContaining({ code: "ISO_BAD_OPTION" }));
  });
});
