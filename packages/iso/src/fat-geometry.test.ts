import { describe, expect, it } from "vitest";
import { chooseFatGeometry, FAT_CLUSTER_COUNT_RANGE, fatGeometry } from "./fat-geometry.js";

const MIB = 2048; // sectors

describe("FAT geometry", () => {
  // What mkfs.fat 4.2 chooses for empty volumes of these sizes (`mkfs.fat IMG` then `file IMG`);
  // fat-writer.oracle.test.ts checks the same against the installed mkfs.fat.
  it.each([
    [1, "fat12", 4],
    [8, "fat12", 4],
    [16, "fat16", 4],
    [64, "fat16", 4],
    [128, "fat16", 4],
    [256, "fat16", 8],
    [511, "fat16", 16],
    [512, "fat32", 8],
    [2048, "fat32", 8],
  ] as const)("a %i MiB volume is %s with %i-sector clusters, as mkfs.fat makes it", (mib, fatType, spc) => {
    const geometry = chooseFatGeometry(mib * MIB, undefined, 512, () => true);
    expect(geometry).toMatchObject({ fatType, sectorsPerCluster: spc });
  });

  it.each([
    ["fat12", 1, 4],
    ["fat16", 8, 2],
    ["fat32", 33, 1],
    ["fat32", 600, 8],
  ] as const)("forced to %s, a %i MiB volume has %i-sector clusters", (fatType, mib, spc) => {
    expect(chooseFatGeometry(mib * MIB, fatType, 512, () => true)).toMatchObject({
      fatType,
      sectorsPerCluster: spc,
    });
  });

  it("never makes a volume whose cluster count is outside its type's range", () => {
    for (let sectors = 64; sectors < 80 * MIB; sectors += 997)
      for (const fatType of ["fat12", "fat16", "fat32"] as const)
        for (const spc of [1, 2, 4, 8, 16, 32, 64]) {
          const g = fatGeometry(fatType, sectors, spc, 512);
          if (g === undefined) continue;
          const { min, max } = FAT_CLUSTER_COUNT_RANGE[fatType];
          expect(g.clusterCount).toBeGreaterThanOrEqual(min);
          expect(g.clusterCount).toBeLessThanOrEqual(max);
          // The FAT has an entry for every cluster, the data region is cluster-aligned and inside the volume.
          const entriesPerFat = Math.floor(
            (g.fatSizeSectors * 512 * 8) / { fat12: 12, fat16: 16, fat32: 32 }[fatType],
          );
          expect(entriesPerFat).toBeGreaterThanOrEqual(g.clusterCount + 2);
          expect(g.firstDataSector % spc).toBe(0);
          expect(g.firstDataSector + g.clusterCount * spc).toBeLessThanOrEqual(sectors);
        }
  });

  it("keeps off 4085 and 4086 clusters, which Windows and Linux read as different types", () => {
    for (let sectors = 16_000; sectors < 17_000; sectors++) {
      const g = chooseFatGeometry(sectors, undefined, 512, () => true);
      expect([4085, 4086]).not.toContain(g?.clusterCount);
    }
  });

  it("gives up when no cluster size fits", () => {
    expect(chooseFatGeometry(MIB, "fat32", 0, () => true)).toBeUndefined();
    expect(chooseFatGeometry(MIB, undefined, 512, () => false)).toBeUndefined();
  });
});
