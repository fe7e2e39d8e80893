import type { FsHeader } from "@ocikit/fs";
import { describe, expect, it } from "vitest";
import { dirHeader, fileHeader } from "../test/fs-headers.js";
import { FAT_ATTR } from "./fat-directory-entry.js";
import { FAT_DEFAULTS, planFat } from "./fat-plan.js";

const file = fileHeader;
const dir = dirHeader;
const esp = [
  dir("."),
  dir("EFI"),
  dir("EFI/BOOT"),
  file("EFI/BOOT/BOOTX64.EFI", 150_000),
  file("loader/loader.conf", 30),
];
const MIB = 1024 * 1024;

describe("planFat", () => {
  it("sizes a small ESP as a 1 MiB FAT12 volume labelled ESP", () => {
    const layout = planFat(esp, {});
    expect(layout).toMatchObject({ fatType: "fat12", sizeBytes: MIB, clusterBytes: 2048 });
    expect(layout.bootSector).toMatchObject({
      oemName: "MSWIN4.1",
      volumeLabel: "ESP        ",
      numFats: 2,
      media: 0xf8,
    });
  });

  it("allocates directories first, breadth first, then files in stream order, each contiguous", () => {
    const layout = planFat([file("b", 5000), file("a/x", 10), file("c", 0), file("a/y", 2049)], {});
    expect(layout.directories.map((d) => [d.path, d.firstCluster, d.clusterCount])).toEqual([
      [".", 0, 0],
      ["a", 2, 1],
    ]);
    expect(layout.files.map((f) => [f.path, f.firstCluster, f.clusterCount])).toEqual([
      ["b", 3, 3],
      ["a/x", 6, 1],
      ["c", 0, 0],
      ["a/y", 7, 2],
    ]);
    expect(layout.freeClusterCount).toBe(layout.clusterCount - 7);
    expect(layout.nextFreeCluster).toBe(8);
  });

  it("gives each directory its dot entries, the root the label, and children long names when needed", () => {
    const layout = planFat([file("EFI/BOOT/BOOTX64.EFI", 1), file("EFI/Linux/ocikit.efi", 1)], {});
    const efi = layout.directories.find((d) => d.path === "EFI")!;
    const boot = layout.directories.find((d) => d.path === "EFI/BOOT")!;
    expect(efi.records.map((r) => [r.shortName, r.longName, r.firstCluster])).toEqual([
      [".          ", undefined, efi.firstCluster],
      ["..         ", undefined, 0],
      ["BOOT       ", undefined, boot.firstCluster],
      ["LINUX      ", "Linux", expect.any(Number)],
    ]);
    expect(boot.records[1]!.firstCluster).toBe(efi.firstCluster);
    expect(layout.directories[0]!.records[0]).toMatchObject({
      shortName: "ESP        ",
      attributes: FAT_ATTR.volumeId,
    });
  });

  it("keeps at least minFreeBytes free and is the smallest 1 MiB multiple that does", () => {
    const headers = [file("a", 3 * MIB), file("b", 100_000)];
    for (const minFreeBytes of [0, FAT_DEFAULTS.minFreeBytes, 5 * MIB]) {
      const layout = planFat(headers, { minFreeBytes });
      expect(layout.sizeBytes % MIB).toBe(0);
      expect(layout.freeClusterCount * layout.clusterBytes).toBeGreaterThanOrEqual(minFreeBytes);
      let smaller: ReturnType<typeof planFat> | undefined;
      try {
        smaller = planFat(headers, { sizeBytes: layout.sizeBytes - MIB });
      } catch (error) {
        expect(error).toMatchObject({ code: "ISO_NO_SPACE" });
      }
      if (smaller !== undefined)
        expect(smaller.freeClusterCount * smaller.clusterBytes).toBeLessThan(minFreeBytes);
    }
  });

  it.each([
    ["fat12", 1, 4084],
    ["fat16", 3, 65_524],
    ["fat32", 33, 0x0fff_fff5],
  ] as const)("forced to %s, sizes to fit in %i MiB with a cluster count in range", (fatType, mib, max) => {
    const layout = planFat(esp, { fatType });
    expect(layout).toMatchObject({ fatType, sizeBytes: mib * MIB });
    expect(layout.clusterCount).toBeLessThanOrEqual(max);
  });

  it("takes a given size, label, serial and hidden sectors", () => {
    const layout = planFat(esp, {
      sizeBytes: 20 * MIB,
      volumeLabel: "boot disk",
      volumeId: 0xdeadbeef,
      hiddenSectors: 2048,
    });
    expect(layout).toMatchObject({ fatType: "fat16", sizeBytes: 20 * MIB });
    expect(layout.bootSector).toMatchObject({
      volumeLabel: "BOOT DISK  ",
      volumeId: 0xdeadbeef,
      hiddenSectors: 2048,
    });
  });

  it("writes no label entry and NO NAME for an empty label", () => {
    const layout = planFat(esp, { volumeLabel: "" });
    expect(layout.bootSector.volumeLabel).toBe("NO NAME    ");
    expect(layout.directories[0]!.records.some((r) => r.attributes === FAT_ATTR.volumeId)).toBe(false);
  });

  it("derives the serial from the tree and options, deterministically", () => {
    const id = (headers: FsHeader[], options = {}) => planFat(headers, options).bootSector.volumeId;
    expect(id(esp)).toBe(id(esp));
    expect(id(esp)).not.toBe(id([...esp, file("x", 1)]));
    expect(id(esp)).not.toBe(id(esp, { recordedAt: 0 }));
    expect(id(esp)).not.toBe(id(esp, { volumeLabel: "OTHER" }));
  });

  it("spreads a big directory over several clusters", () => {
    const many = Array.from({ length: 300 }, (_, i) => file(`many/a long file name ${i}.txt`, 1));
    const layout = planFat(many, {});
    const directory = layout.directories.find((d) => d.path === "many")!;
    expect(directory.records).toHaveLength(302);
    // 300 names of 3 entries each (two long, one short) plus dot entries, in 2 KiB clusters.
    expect(directory.clusterCount).toBe(Math.ceil(((2 + 300 * 3) * 32) / 2048));
  });

  it("grows the FAT12/16 root directory region for a root with more than 512 entries", () => {
    const layout = planFat(
      Array.from({ length: 600 }, (_, i) => file(`F${i}`, 0)),
      {},
    );
    expect(layout.bootSector.rootEntryCount).toBe(608);
  });

  it.each([
    ["the tree does not fit sizeBytes", [file("big", 3 * MIB)], { sizeBytes: 2 * MIB }, "ISO_NO_SPACE"],
    ["FAT12 cannot hold the tree", [file("big", 200 * MIB)], { fatType: "fat12" }, "ISO_NO_SPACE"],
    ["FAT32 cannot be 1 MiB", esp, { fatType: "fat32", sizeBytes: MIB }, "ISO_BAD_OPTION"],
    ["sizeBytes is not a multiple of 512", esp, { sizeBytes: 1000 }, "ISO_BAD_OPTION"],
    ["the label has a dot", esp, { volumeLabel: "EFI.BOOT" }, "ISO_BAD_OPTION"],
    ["the label is too long", esp, { volumeLabel: "TWELVE CHARS" }, "ISO_BAD_OPTION"],
    ["the serial is negative", esp, { volumeId: -1 }, "ISO_BAD_OPTION"],
    ["the time is not a number", esp, { recordedAt: Number.NaN }, "ISO_BAD_OPTION"],
    ["the type is unknown", esp, { fatType: "exfat" }, "ISO_BAD_OPTION"],
    [
      "a directory has more than 65536 entries",
      Array.from({ length: 66_000 }, (_, i) => file(`D/F${i}`, 0)),
      {},
      "ISO_BAD_TREE",
    ],
  ] as const)("refuses when %s", (_, headers, options, code) => {
    expect(() => planFat(headers as readonly FsHeader[], options as object)).toThrow(
      expect.objectContaining({ code }),
    );
  });
});
