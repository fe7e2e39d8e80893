import { describe, expect, it } from "vitest";
import { makeSgdiskDisk, SGDISK_DISK } from "../test/sgdisk-disk.js";
import { isohybridMbrToBytes } from "./isohybrid-mbr.js";
import {
  lbaToChs,
  mbrFromBytes,
  mbrPartitionSlotsFromBytes,
  mbrToBytes,
  protectiveMbr,
} from "./protective-mbr.js";

describe("protective MBR", () => {
  it("is byte for byte the one sgdisk writes, and reads back", async () => {
    const lba0 = (await makeSgdiskDisk()).subarray(0, 512);
    const totalBlocks = SGDISK_DISK.sizeBytes / 512;
    expect(Buffer.from(mbrToBytes(protectiveMbr(totalBlocks))).equals(Buffer.from(lba0))).toBe(true);
    expect(mbrFromBytes(lba0).partitionRecords).toEqual([
      {
        bootIndicator: 0,
        startingChs: { cylinder: 0, head: 0, sector: 2 },
        osType: 0xee,
        endingChs: { cylinder: 0, head: 130, sector: 2 },
        startingLba: 1,
        sizeInLba: totalBlocks - 1,
      },
    ]);
  });

  it.each([
    ["LBA 0", 0, { cylinder: 0, head: 0, sector: 1 }],
    ["the last of cylinder 0", 255 * 63 - 1, { cylinder: 0, head: 254, sector: 63 }],
    ["the last that fits", 1024 * 255 * 63 - 1, { cylinder: 1023, head: 254, sector: 63 }],
    ["the first that does not fit (0xFFFFFF)", 1024 * 255 * 63, { cylinder: 1023, head: 255, sector: 63 }],
  ])("addresses %s in CHS", (_name, lba, chs) => {
    expect(lbaToChs(lba)).toEqual(chs);
  });

  it("caps the size of a disk past 2 TiB at 0xFFFFFFFF blocks and writes CHS 0xFFFFFF", () => {
    const sector = mbrToBytes(protectiveMbr(2 ** 33));
    expect(mbrFromBytes(sector).partitionRecords[0]!.sizeInLba).toBe(0xffff_ffff);
    expect(Buffer.from(sector.subarray(446 + 5, 446 + 8)).toString("hex")).toBe("ffffff");
  });

  it("reads every slot, keeping isohybrid --uefi's partition 1 of OSType 0 that mbrFromBytes drops", () => {
    const sector = isohybridMbrToBytes({
      template: new Uint8Array(432),
      bootImageLba: 40,
      imageBytes: 2 * 1024 * 1024,
      efi: { lba: 50, sectors512: 2880 },
      diskSignature: 0x12345678,
    });
    const slots = mbrPartitionSlotsFromBytes(sector);
    expect(slots.map((r) => r && [r.bootIndicator, r.osType, r.startingLba, r.sizeInLba])).toEqual([
      [0x80, 0x00, 0, 4096],
      [0x00, 0xef, 200, 2880],
      undefined,
      undefined,
    ]);
    expect(mbrFromBytes(sector).partitionRecords.map((r) => r.osType)).toEqual([0xef]);
    // Written back in their slots, the records give the same table.
    const again = mbrToBytes({
      bootCode: sector.subarray(0, 440),
      uniqueMbrDiskSignature: 0x12345678,
      partitionRecords: slots.filter((r) => r !== undefined),
    });
    expect(Buffer.from(again)).toEqual(Buffer.from(sector));
  });

  it.each([
    [
      "441 bytes of boot code",
      () => mbrToBytes({ bootCode: new Uint8Array(441), uniqueMbrDiskSignature: 0, partitionRecords: [] }),
    ],
    ["a sector without 0x55 0xAA", () => mbrFromBytes(new Uint8Array(512))],
    ["a sector without 0x55 0xAA (slots)", () => mbrPartitionSlotsFromBytes(new Uint8Array(512))],
  ])("refuses %s with ISO_BAD_OPTION", (_name, act) => {
    expect(act).toThrow(expect.objectContaining({ code: "ISO_BAD_OPTION" }));
  });
});
