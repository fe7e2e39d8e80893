/**
 * How a FAT volume of a given size is laid out: FAT type, cluster size, reserved sectors, FAT size,
 * root directory region (fatgen103 §3.5, §4). The type is not a free choice: it follows from the
 * cluster count, FAT12 below 4085 clusters, FAT16 below 65525, FAT32 above. We keep off the two
 * counts 4085 and 4086, which Windows reads as FAT12 and Linux as FAT16 (dosfstools does the same).
 *
 * Our defaults follow mkfs.fat 4.2, the tool whose output every firmware has met:
 * - type: FAT32 from 512 MiB; below, FAT12 while 2 KiB clusters number at most 4084 (about 8 MiB),
 *   else FAT16. The UEFI spec asks for FAT32 on ESPs of hard disks but lets removable media use
 *   FAT12/16, and small ESPs (El Torito images, UKI disks of a few MiB) are FAT12/16 in practice;
 *   OVMF and every firmware we know read all three.
 * - cluster size: FAT12 2 KiB; FAT16 2 KiB up to 128 MiB, then 4, 8, 16, 32 KiB up to 256 MiB,
 *   512 MiB, 1 GiB, beyond; FAT32 512 bytes below 260 MiB, 4 KiB below 8 GiB, 8 KiB below 16 GiB,
 *   16 KiB below 32 GiB, then 32 KiB (Microsoft's table). When that size gives a cluster count the
 *   type cannot have, larger sizes are tried, then smaller ones.
 * - reserved sectors: 1 for FAT12/16, 32 for FAT32 (boot sector, FSInfo, backups at 6 and 7), plus
 *   what aligns the data region to the cluster size, as mkfs.fat does.
 * - FAT12/16 root directory: 512 entries, more when the root holds more names.
 */
import { FAT_SECTOR_BYTES, type FatType } from "./fat-boot-sector.js";
import { fatTableBytesFor } from "./fat-table.js";

/** The cluster counts each FAT type may have (inclusive), see the module comment. */
export const FAT_CLUSTER_COUNT_RANGE: Readonly<
  Record<FatType, { readonly min: number; readonly max: number }>
> = {
  fat12: { min: 1, max: 4084 },
  fat16: { min: 4087, max: 65_524 },
  fat32: { min: 65_525, max: 0x0fff_fff5 },
};

/** The FAT12/16 root directory size mkfs.fat gives hard disks, in entries. */
export const FAT_DEFAULT_ROOT_ENTRY_COUNT = 512;

/** FAT32 reserved sectors: boot sector 0, FSInfo 1, backup boot sector 6, its FSInfo copy 7 (fatgen103 §3.3). */
const FAT32_RESERVED_SECTORS = 32;
const MIB_SECTORS = (1024 * 1024) / FAT_SECTOR_BYTES;
/** The largest cluster we make: 32 KiB (64 KiB clusters break many drivers). */
const MAX_SECTORS_PER_CLUSTER = 64;

/** Where everything of a FAT volume is, in sectors. */
export interface FatGeometry {
  readonly fatType: FatType;
  readonly totalSectors: number;
  readonly sectorsPerCluster: number;
  /** BPB_RsvdSecCnt, alignment padding included. */
  readonly reservedSectorCount: number;
  /** Sectors per FAT (there are 2). */
  readonly fatSizeSectors: number;
  /** BPB_RootEntCnt: 0 on FAT32. */
  readonly rootEntryCount: number;
  /** The sector of cluster 2. */
  readonly firstDataSector: number;
  /** CountofClusters. */
  readonly clusterCount: number;
}

/**
 * The layout of a `fatType` volume of `totalSectors` with `sectorsPerCluster`, or undefined when the
 * resulting cluster count is not one `fatType` may have.
 */
export function fatGeometry(
  fatType: FatType,
  totalSectors: number,
  sectorsPerCluster: number,
  rootEntryCount: number,
): FatGeometry | undefined {
  const isFat32 = fatType === "fat32";
  const rootEntries = isFat32 ? 0 : rootEntryCount;
  const rootDirSectors = Math.ceil((rootEntries * 32) / FAT_SECTOR_BYTES);
  const baseReserved = isFat32 ? FAT32_RESERVED_SECTORS : 1;
  // Size the FAT for the clusters there would be without it: a FAT a few entries too long is valid.
  const upperClusterCount = Math.floor((totalSectors - baseReserved - rootDirSectors) / sectorsPerCluster);
  if (upperClusterCount < 1) return undefined;
  const fatSizeSectors = Math.ceil(fatTableBytesFor(fatType, upperClusterCount) / FAT_SECTOR_BYTES);
  if (!isFat32 && fatSizeSectors > 0xffff) return undefined;
  const metadata = baseReserved + 2 * fatSizeSectors + rootDirSectors;
  const reservedSectorCount =
    baseReserved + ((sectorsPerCluster - (metadata % sectorsPerCluster)) % sectorsPerCluster);
  const firstDataSector = reservedSectorCount + 2 * fatSizeSectors + rootDirSectors;
  const clusterCount = Math.floor((totalSectors - firstDataSector) / sectorsPerCluster);
  const range = FAT_CLUSTER_COUNT_RANGE[fatType];
  if (clusterCount < range.min || clusterCount > range.max) return undefined;
  return {
    fatType,
    totalSectors,
    sectorsPerCluster,
    reservedSectorCount,
    fatSizeSectors,
    rootEntryCount: rootEntries,
    firstDataSector,
    clusterCount,
  };
}

/** The cluster size (in sectors) mkfs.fat would give a `fatType` volume of `totalSectors`. */
export function preferredSectorsPerCluster(fatType: FatType, totalSectors: number): number {
  const mib = totalSectors / MIB_SECTORS;
  if (fatType === "fat12") return 4;
  if (fatType === "fat16") return mib <= 128 ? 4 : mib <= 256 ? 8 : mib <= 512 ? 16 : mib <= 1024 ? 32 : 64;
  return mib < 260 ? 1 : mib < 8192 ? 8 : mib < 16_384 ? 16 : mib < 32_768 ? 32 : 64;
}

/**
 * The (type, cluster size) pairs to try for a volume of `totalSectors`, best first: the forced type
 * or the default rule of the module comment, each with its preferred cluster size, then larger, then
 * smaller ones.
 */
export function fatCandidates(
  totalSectors: number,
  forcedType: FatType | undefined,
): { fatType: FatType; sectorsPerCluster: number }[] {
  const sizesFor = (fatType: FatType, largest: number) => {
    const preferred = Math.min(preferredSectorsPerCluster(fatType, totalSectors), largest);
    const sizes: number[] = [];
    for (let s = preferred; s <= largest; s *= 2) sizes.push(s);
    for (let s = preferred / 2; s >= 1; s /= 2) sizes.push(s);
    return sizes.map((sectorsPerCluster) => ({ fatType, sectorsPerCluster }));
  };
  if (forcedType !== undefined) return sizesFor(forcedType, MAX_SECTORS_PER_CLUSTER);
  if (totalSectors >= 512 * MIB_SECTORS) return sizesFor("fat32", MAX_SECTORS_PER_CLUSTER);
  // Automatic FAT12 keeps mkfs.fat's 2 KiB clusters or smaller: past ~8 MiB the volume is FAT16.
  return [...sizesFor("fat12", 4), ...sizesFor("fat16", MAX_SECTORS_PER_CLUSTER)];
}

/**
 * The first candidate layout for `totalSectors` that `fits` (a test of the cluster count against
 * what the tree needs at that cluster size), or undefined.
 */
export function chooseFatGeometry(
  totalSectors: number,
  forcedType: FatType | undefined,
  rootEntryCount: number,
  fits: (geometry: FatGeometry) => boolean,
): FatGeometry | undefined {
  for (const { fatType, sectorsPerCluster } of fatCandidates(totalSectors, forcedType)) {
    const geometry = fatGeometry(fatType, totalSectors, sectorsPerCluster, rootEntryCount);
    if (geometry !== undefined && fits(geometry)) return geometry;
  }
  return undefined;
}
