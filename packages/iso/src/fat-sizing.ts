/**
 * How big a FAT image must be: the 32-byte entries each directory takes, the clusters the tree takes
 * at a given cluster size, and the search for the geometry that holds it — in the size given, or in
 * the smallest multiple of 1 MiB with some space left free ("sized to fit").
 */
import { IsoError } from "./errors.js";
import { FAT_SECTOR_BYTES, type FatType } from "./fat-boot-sector.js";
import { FAT_DIRECTORY_ENTRY_BYTES } from "./fat-directory-entry.js";
import {
  chooseFatGeometry,
  FAT_CLUSTER_COUNT_RANGE,
  type FatGeometry,
  fatCandidates,
  fatGeometry,
} from "./fat-geometry.js";
import { FAT_LONG_NAME_CHARS_PER_ENTRY } from "./fat-long-name.js";
import type { FatTree, FatTreeDirectory } from "./fat-tree.js";

/** A sized-to-fit image is a multiple of this: partitions and firmware like 1 MiB alignment. */
export const FAT_ALIGN_BYTES = 1024 * 1024;

/** The 32-byte entries a directory holds: dot entries, the label, and each child's long and short entries. */
export function fatDirectoryEntryCount(directory: FatTreeDirectory, hasLabel: boolean): number {
  const isRoot = directory.path === ".";
  let count = isRoot ? (hasLabel ? 1 : 0) : 2;
  for (const child of directory.children)
    count += 1 + (child.hasLongName ? Math.ceil(child.name.length / FAT_LONG_NAME_CHARS_PER_ENTRY) : 0);
  return count;
}

/** The clusters the tree takes with `geometry`'s cluster size (the FAT12/16 root is not in clusters). */
function clustersNeeded(tree: FatTree, recordCounts: readonly number[], geometry: FatGeometry): number {
  const clusterBytes = geometry.sectorsPerCluster * FAT_SECTOR_BYTES;
  let clusters = 0;
  recordCounts.forEach((count, i) => {
    if (i > 0 || geometry.fatType === "fat32")
      clusters += Math.ceil((count * FAT_DIRECTORY_ENTRY_BYTES) / clusterBytes);
  });
  for (const file of tree.files) clusters += Math.ceil(file.size / clusterBytes);
  return clusters;
}

/**
 * The geometry of the image: the first candidate of fat-geometry.ts that holds the tree in
 * `o.sizeBytes`, or, without it, in the smallest multiple of FAT_ALIGN_BYTES that also leaves
 * `o.minFreeBytes` free.
 * @throws {IsoError} ISO_NO_SPACE when the tree does not fit; ISO_BAD_OPTION when `o.sizeBytes` cannot
 *   be a volume of the forced type; ISO_BAD_TREE when a forced FAT12/16 root cannot hold its names
 */
export function chooseFatSize(
  tree: FatTree,
  recordCounts: readonly number[],
  rootEntryCount: number,
  o: { readonly fatType?: FatType; readonly sizeBytes?: number; readonly minFreeBytes: number },
): FatGeometry {
  // BPB_RootEntCnt is 16 bits: a root with more names than that can only be a FAT32 one.
  if (rootEntryCount > 0xfff0) {
    if (o.fatType !== undefined && o.fatType !== "fat32")
      throw new IsoError(
        "ISO_BAD_TREE",
        `.: the root directory needs ${recordCounts[0]} entries, more than a ${o.fatType.toUpperCase()} root can hold; use FAT32 or subdirectories`,
      );
  }
  const forcedType = rootEntryCount > 0xfff0 ? "fat32" : o.fatType;
  const needed = new Map<string, number>();
  const need = (g: FatGeometry) => {
    const key = `${g.fatType}/${g.sectorsPerCluster}`;
    if (!needed.has(key)) needed.set(key, clustersNeeded(tree, recordCounts, g));
    return needed.get(key)!;
  };
  if (o.sizeBytes !== undefined) {
    const totalSectors = o.sizeBytes / FAT_SECTOR_BYTES;
    const geometry = chooseFatGeometry(
      totalSectors,
      forcedType,
      rootEntryCount,
      (g) => need(g) <= g.clusterCount,
    );
    if (geometry !== undefined) return geometry;
    const isPossible = fatCandidates(totalSectors, forcedType).some(
      (c) => fatGeometry(c.fatType, totalSectors, c.sectorsPerCluster, rootEntryCount) !== undefined,
    );
    if (!isPossible)
      throw new IsoError(
        "ISO_BAD_OPTION",
        `FAT image: ${o.sizeBytes} bytes cannot be a ${(forcedType ?? "FAT").toUpperCase()} volume (its cluster count would be out of range: FAT12 up to 4084, FAT16 4087 to 65524, FAT32 65525 or more); choose another size or let the type be chosen`,
      );
    throw new IsoError(
      "ISO_NO_SPACE",
      `FAT image: the tree (${tree.files.length} files, ${totalBytes(tree)} bytes of data) does not fit in ${o.sizeBytes} bytes; give a larger sizeBytes or leave it out to size the image to fit`,
    );
  }
  const alignSectors = FAT_ALIGN_BYTES / FAT_SECTOR_BYTES;
  const lowerBound = Math.ceil((totalBytes(tree) + o.minFreeBytes) / FAT_SECTOR_BYTES);
  const maxClusters =
    forcedType === undefined ? FAT_CLUSTER_COUNT_RANGE.fat32.max : FAT_CLUSTER_COUNT_RANGE[forcedType].max;
  const maxSectors = Math.min(0xffff_ffff, maxClusters * 64 + 2 * alignSectors);
  for (
    let total = Math.max(1, Math.ceil(lowerBound / alignSectors)) * alignSectors;
    total <= maxSectors;
    total += alignSectors
  ) {
    const geometry = chooseFatGeometry(total, forcedType, rootEntryCount, (g) => {
      const minFreeClusters = Math.ceil(o.minFreeBytes / (g.sectorsPerCluster * FAT_SECTOR_BYTES));
      return need(g) + minFreeClusters <= g.clusterCount;
    });
    if (geometry !== undefined) return geometry;
  }
  throw new IsoError(
    "ISO_NO_SPACE",
    `FAT image: the tree (${tree.files.length} files, ${totalBytes(tree)} bytes of data) does not fit in any ${(forcedType ?? "FAT").toUpperCase()} volume; ${forcedType === undefined ? "split it" : "let the type be chosen"}`,
  );
}

function totalBytes(tree: FatTree): number {
  return tree.files.reduce((sum, f) => sum + f.size, 0);
}
