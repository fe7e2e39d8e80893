import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { FatType } from "./fat-boot-sector.js";
import {
  FAT_END_OF_CHAIN,
  fatEntriesFor,
  fatTableBytesFor,
  fatTableFromBytes,
  fatTableToBytes,
} from "./fat-table.js";

const sector = new Uint8Array(
  readFileSync(join(import.meta.dirname, "../../../test-fixtures/iso/fat/mcopy-fat12-fat-sector.bin")),
);
// What mcopy allocated (README.TXT, the long name, ünïcödé.txt, big.bin over ten clusters, EFI).
const mcopyChains = [
  { firstCluster: 2, clusterCount: 1 },
  { firstCluster: 3, clusterCount: 1 },
  { firstCluster: 4, clusterCount: 1 },
  { firstCluster: 5, clusterCount: 10 },
  { firstCluster: 15, clusterCount: 1 },
];

describe("FAT tables", () => {
  it("reads mcopy's packed FAT12 entries", () => {
    const entries = fatTableFromBytes("fat12", sector, 17);
    expect([...entries]).toEqual([
      0xff8, 0xfff, 0xfff, 0xfff, 0xfff, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0xfff, 0xfff, 0,
    ]);
  });

  it("writes the same FAT12 sector as mcopy for the same chains", () => {
    const entries = fatEntriesFor("fat12", 0xf8, 2000, mcopyChains).subarray(0, 340);
    expect(Buffer.from(fatTableToBytes("fat12", entries, 512)).equals(sector)).toBe(true);
  });

  it.each(["fat12", "fat16", "fat32"] as const)(
    "round-trips %s entries, reserved ones included",
    (fatType: FatType) => {
      const chains = [
        { firstCluster: 2, clusterCount: 3 },
        { firstCluster: 5, clusterCount: 1 },
        { firstCluster: 6, clusterCount: 0 },
        { firstCluster: 6, clusterCount: 7 },
      ];
      const entries = fatEntriesFor(fatType, 0xf8, 20, chains);
      const eoc = FAT_END_OF_CHAIN[fatType];
      expect([...entries.subarray(0, 8)]).toEqual([(eoc & ~0xff) | 0xf8, eoc, 3, 4, eoc, eoc, 7, 8]);
      expect(entries[12]).toBe(eoc);
      const bytes = fatTableToBytes(fatType, entries, 512);
      expect([...fatTableFromBytes(fatType, bytes, entries.length)]).toEqual([...entries]);
    },
  );

  it.each([
    ["fat12", 4084, 6129],
    ["fat16", 65_524, 131_052],
    ["fat32", 65_525, 262_108],
  ] as const)("sizes a %s table for %i clusters at %i bytes", (fatType, clusters, bytes) => {
    expect(fatTableBytesFor(fatType, clusters)).toBe(bytes);
  });
});
