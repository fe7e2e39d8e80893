import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  clusterCountOf,
  type FatBootSector,
  fatBootSectorFromBytes,
  fatBootSectorToBytes,
  fatTypeOf,
  firstDataSectorOf,
} from "./fat-boot-sector.js";

const fixtures = join(import.meta.dirname, "../../../test-fixtures/iso/fat");
const fixture = (name: string) => new Uint8Array(readFileSync(join(fixtures, name)));

describe("FAT boot sector, against mkfs.fat's", () => {
  it.each([
    [
      "mkfs-fat12-boot-sector.bin",
      "fat12",
      {
        oemName: "mkfs.fat",
        sectorsPerCluster: 4,
        reservedSectorCount: 1,
        numFats: 2,
        rootEntryCount: 512,
        totalSectors: 2048,
        media: 0xf8,
        fatSizeSectors: 2,
        volumeId: 0x12345678,
        volumeLabel: "MKFS FAT12 ",
        fileSystemType: "FAT12   ",
      },
    ],
    [
      "mkfs-fat16-boot-sector.bin",
      "fat16",
      {
        sectorsPerCluster: 4,
        reservedSectorCount: 4,
        rootEntryCount: 512,
        totalSectors: 32768,
        fatSizeSectors: 32,
        volumeId: 0x9abcdef0,
        volumeLabel: "MKFS FAT16 ",
        fileSystemType: "FAT16   ",
      },
    ],
    [
      "mkfs-fat32-reserved-sectors.bin",
      "fat32",
      {
        isFat32: true,
        sectorsPerCluster: 1,
        reservedSectorCount: 32,
        rootEntryCount: 0,
        totalSectors: 81920,
        volumeId: 0x0badcafe,
        volumeLabel: "MKFS FAT32 ",
        fileSystemType: "FAT32   ",
        rootCluster: 2,
        fsInfoSector: 1,
        backupBootSector: 6,
        extFlags: 0,
        fsVersion: 0,
      },
    ],
  ] as const)("reads %s as %s", (name, fatType, fields) => {
    const bs = fatBootSectorFromBytes(fixture(name));
    expect(bs).toMatchObject({ bytesPerSector: 512, driveNumber: 0x80, ...fields });
    expect(fatTypeOf(bs)).toBe(fatType);
  });

  it.each([
    ["mkfs-fat12-boot-sector.bin", 0x3e],
    ["mkfs-fat16-boot-sector.bin", 0x3e],
    ["mkfs-fat32-reserved-sectors.bin", 0x5a],
  ])("writes the BPB of %s back byte for byte (boot code aside)", (name, codeOffset) => {
    const original = fixture(name).subarray(0, 512);
    const written = fatBootSectorToBytes(fatBootSectorFromBytes(original));
    expect(Buffer.from(written.subarray(0, codeOffset)).toString("hex")).toBe(
      Buffer.from(original.subarray(0, codeOffset)).toString("hex"),
    );
    expect([written[510], written[511]]).toEqual([0x55, 0xaa]);
  });

  it("finds the data region and cluster count as fatgen103 §3.5 computes them", () => {
    const bs = fatBootSectorFromBytes(fixture("mkfs-fat16-boot-sector.bin"));
    expect(firstDataSectorOf(bs)).toBe(4 + 2 * 32 + 32);
    expect(clusterCountOf(bs)).toBe(Math.floor((32768 - 100) / 4));
  });

  it("uses BPB_TotSec32 once the sector count needs more than 16 bits", () => {
    const bs: FatBootSector = {
      ...fatBootSectorFromBytes(fixture("mkfs-fat16-boot-sector.bin")),
      totalSectors: 70_000,
    };
    const bytes = fatBootSectorToBytes(bs);
    const view = new DataView(bytes.buffer);
    expect([view.getUint16(19, true), view.getUint32(32, true)]).toEqual([0, 70_000]);
    expect(fatBootSectorFromBytes(bytes).totalSectors).toBe(70_000);
  });

  it.each([
    ["no 0x55AA signature", (b: Uint8Array) => b.fill(0, 510)],
    ["4096-byte sectors", (b: Uint8Array) => b.set([0x00, 0x10], 11)],
    ["no extended boot signature", (b: Uint8Array) => b.set([0], 38)],
  ])("refuses a sector with %s", (_, spoil) => {
    const bytes = fixture("mkfs-fat12-boot-sector.bin");
    spoil(bytes);
    expect(() => fatBootSectorFromBytes(bytes)).toThrow(expect.objectContaining({ code: "ISO_BAD_OPTION" }));
  });

  it("refuses a label that is not printable ASCII", () => {
    const bs = fatBootSectorFromBytes(fixture("mkfs-fat12-boot-sector.bin"));
    expect(() => fatBootSectorToBytes({ ...bs, volumeLabel: "ÉTIQUETTE" })).toThrow(
      expect.objectContaining({ code: "ISO_BAD_OPTION" }),
    );
  });
});
