/**
 * planFat: where everything of a FAT image goes, decided from entry headers alone (house style:
 * pure planning, then a writer that follows the plan). It picks the FAT type and cluster size
 * (fat-geometry.ts), sizes the image to fit the tree unless a size is given (fat-sizing.ts), gives
 * every name its short name and long-name entries (fat-tree.ts, fat-short-name.ts), and allocates
 * clusters: the directories first (breadth first, root first on FAT32), then every file in stream
 * order, each one contiguous, so that the writer emits all metadata, then the file data as it arrives.
 * Spec: Microsoft's "FAT: General Overview of On-Disk Format" 1.03 (fatgen103).
 */
import { createHash } from "node:crypto";
import type { FsHeader } from "@ocikit/fs";
import { IsoError } from "./errors.js";
import { FAT_SECTOR_BYTES, type FatBootSector, type FatType, fatFileSystemType } from "./fat-boot-sector.js";
import { FAT_ATTR } from "./fat-directory-entry.js";
import { FAT_CLUSTER_COUNT_RANGE, FAT_DEFAULT_ROOT_ENTRY_COUNT, type FatGeometry } from "./fat-geometry.js";
import { chooseFatSize, fatDirectoryEntryCount } from "./fat-sizing.js";
import { buildFatTree, type FatTree } from "./fat-tree.js";

/** How to lay out a FAT image. */
export interface FatOptions {
  /** Force FAT12, FAT16 or FAT32. Default: from the size, as mkfs.fat chooses (FAT32 from 512 MiB). */
  readonly fatType?: FatType;
  /** The image size, a multiple of 512. Default: sized to fit, see `minFreeBytes`. */
  readonly sizeBytes?: number;
  /**
   * Free space a sized-to-fit image keeps at least (bootloaders write a random seed, a log); the
   * size is then rounded up to a multiple of 1 MiB. Default: FAT_DEFAULTS.minFreeBytes (64 KiB).
   */
  readonly minFreeBytes?: number;
  /** Up to 11 characters valid in a short name, or spaces; upper-cased; "" for none. Default: "ESP". */
  readonly volumeLabel?: string;
  /** BS_VolID, the serial number. Default: derived from a hash of the layout (tree and options). */
  readonly volumeId?: number;
  /** The time stamped on every entry, seconds since the epoch. Default: 1492533000, LinuxKit's. */
  readonly recordedAt?: number;
  /** BPB_HiddSec: the first LBA of the partition holding the image. Default: 0. */
  readonly hiddenSectors?: number;
}

/** The defaults of `FatOptions`. */
export const FAT_DEFAULTS = {
  volumeLabel: "ESP",
  // LinuxKit stamps what it creates with 2017-04-18T16:30:00Z (reference §3.11); so do we.
  recordedAt: 1_492_533_000,
  minFreeBytes: 64 * 1024,
  hiddenSectors: 0,
} as const;

/** BS_OEMName: fatgen103 §3.1 recommends "MSWIN4.1" as the value least likely to upset a driver. */
export const FAT_OEM_NAME = "MSWIN4.1";
export { FAT_ALIGN_BYTES } from "./fat-sizing.js";

/** BPB_Media: fixed disk (and the low byte of FAT[0]). */
const MEDIA_FIXED = 0xf8;
/** §6: a directory holds at most 65536 entries. */
const MAX_DIRECTORY_ENTRIES = 65_536;

/** One 32-byte short entry of a directory, preceded on disk by the long-name entries of `longName`. */
export interface FatDirectoryRecord {
  /** The name the long-name entries spell, absent when the short name is the name. */
  readonly longName?: string;
  /** DIR_Name, 11 characters. */
  readonly shortName: string;
  /** DIR_Attr. */
  readonly attributes: number;
  readonly firstCluster: number;
  readonly fileSize: number;
}

/** A directory's place and contents. */
export interface FatDirectoryPlan {
  readonly path: string;
  /** Its cluster chain; 0 and 0 for the FAT12/16 root, which lives in the root directory region. */
  readonly firstCluster: number;
  readonly clusterCount: number;
  /** ".", ".." (not in the root), the volume label (root only), then the children, sorted. */
  readonly records: readonly FatDirectoryRecord[];
}

/** A regular file's place. */
export interface FatFilePlan {
  readonly path: string;
  readonly sizeBytes: number;
  /** 0 for an empty file. */
  readonly firstCluster: number;
  readonly clusterCount: number;
}

/** Everything the writer needs: plain data. */
export interface FatLayout {
  readonly fatType: FatType;
  readonly sizeBytes: number;
  readonly bootSector: FatBootSector;
  /** CountofClusters: data clusters 2 … clusterCount + 1. */
  readonly clusterCount: number;
  readonly clusterBytes: number;
  /** The sector of cluster 2. */
  readonly firstDataSector: number;
  readonly recordedAt: number;
  /** FSI_Free_Count and FSI_Nxt_Free (the last cluster allocated, the hint fatgen103 §5 describes). */
  readonly freeClusterCount: number;
  readonly nextFreeCluster: number;
  /** Root first, in cluster order. */
  readonly directories: readonly FatDirectoryPlan[];
  /** Regular files in stream order, which is also their cluster order. */
  readonly files: readonly FatFilePlan[];
}

/**
 * Lays out a FAT image holding `headers` (regular files and directories; "." is the root).
 * @throws {IsoError} ISO_BAD_TREE for entries FAT cannot hold; ISO_FILE_TOO_LARGE for a file over
 *   4 GiB - 1; ISO_NO_SPACE when the tree does not fit `sizeBytes` (or any FAT volume of the forced
 *   type); ISO_BAD_OPTION for an option out of range, or a size the forced type cannot have
 * @example
 * ```ts
 * const layout = planFat([{ path: "EFI/BOOT/BOOTX64.EFI", type: "file", mode: 0o644, uid: 0, gid: 0, mtime: 0, size: 4096 }], {});
 * layout.fatType; // "fat12"; layout.sizeBytes: 1048576
 * ```
 */
export function planFat(headers: readonly FsHeader[], options: FatOptions): FatLayout {
  const o = checkOptions({ ...FAT_DEFAULTS, ...options });
  const labelField = volumeLabelField(o.volumeLabel);
  const tree = buildFatTree(headers);
  const recordCounts = tree.directories.map((d) => fatDirectoryEntryCount(d, labelField !== undefined));
  recordCounts.forEach((count, i) => {
    if (count > MAX_DIRECTORY_ENTRIES)
      throw new IsoError(
        "ISO_BAD_TREE",
        `${tree.directories[i]!.path}: the directory needs ${count} entries, more than FAT's ${MAX_DIRECTORY_ENTRIES}; spread its files over subdirectories`,
      );
  });
  const rootEntryCount = Math.max(FAT_DEFAULT_ROOT_ENTRY_COUNT, Math.ceil(recordCounts[0]! / 16) * 16);
  const geometry = chooseFatSize(tree, recordCounts, rootEntryCount, o);
  return layoutFor(tree, recordCounts, geometry, labelField, o);
}

type CheckedOptions = FatOptions & Required<Pick<FatOptions, keyof typeof FAT_DEFAULTS>>;

function checkOptions(o: CheckedOptions): CheckedOptions {
  const bad = (what: string) => new IsoError("ISO_BAD_OPTION", `FAT image: ${what}`);
  if (
    o.sizeBytes !== undefined &&
    !(Number.isSafeInteger(o.sizeBytes) && o.sizeBytes > 0 && o.sizeBytes % FAT_SECTOR_BYTES === 0)
  )
    throw bad(`sizeBytes ${o.sizeBytes} is not a positive multiple of 512`);
  if (o.sizeBytes !== undefined && o.sizeBytes / FAT_SECTOR_BYTES > 0xffff_ffff)
    throw bad(`sizeBytes ${o.sizeBytes} is more than FAT's 2^32 sectors`);
  if (
    o.volumeId !== undefined &&
    !(Number.isInteger(o.volumeId) && o.volumeId >= 0 && o.volumeId <= 0xffff_ffff)
  )
    throw bad(`volumeId ${o.volumeId} is not a 32-bit unsigned integer`);
  if (!Number.isFinite(o.recordedAt)) throw bad(`recordedAt ${o.recordedAt} is not a number of seconds`);
  if (!(Number.isSafeInteger(o.minFreeBytes) && o.minFreeBytes >= 0))
    throw bad(`minFreeBytes ${o.minFreeBytes} is not a byte count`);
  if (!(Number.isInteger(o.hiddenSectors) && o.hiddenSectors >= 0 && o.hiddenSectors <= 0xffff_ffff))
    throw bad(`hiddenSectors ${o.hiddenSectors} is not a 32-bit sector number`);
  if (o.fatType !== undefined && !(o.fatType in FAT_CLUSTER_COUNT_RANGE))
    throw bad(`fatType ${JSON.stringify(o.fatType)} is not one of "fat12", "fat16", "fat32"`);
  return o;
}

/**
 * BS_VolLab and the root's volume label entry: the label upper-cased and space-padded, or undefined
 * for no label.
 */
function volumeLabelField(label: string): string | undefined {
  const upper = label.toUpperCase().trimEnd();
  if (upper === "") return undefined;
  if (upper.length > 11 || !/^[A-Z0-9$%'\-_@~`!(){}^#&][A-Z0-9$%'\-_@~`!(){}^#& ]*$/.test(upper))
    throw new IsoError(
      "ISO_BAD_OPTION",
      `FAT image: volume label ${JSON.stringify(label)} is not up to 11 letters, digits, spaces or $%'-_@~\`!(){}^#& (not starting with a space)`,
    );
  return upper.padEnd(11, " ");
}

function layoutFor(
  tree: FatTree,
  recordCounts: readonly number[],
  geometry: FatGeometry,
  labelField: string | undefined,
  o: CheckedOptions,
): FatLayout {
  const { fatType } = geometry;
  const clusterBytes = geometry.sectorsPerCluster * FAT_SECTOR_BYTES;
  let next = 2;
  const chainOf = (bytes: number) => {
    const clusterCount = Math.ceil(bytes / clusterBytes);
    const firstCluster = clusterCount > 0 ? next : 0;
    next += clusterCount;
    return { firstCluster, clusterCount };
  };
  const directoryChains = new Map<string, { firstCluster: number; clusterCount: number }>();
  tree.directories.forEach((d, i) => {
    const isRegion = d.path === "." && fatType !== "fat32";
    // Even an empty subdirectory has "." and "..", so every chain has at least one cluster.
    directoryChains.set(
      d.path,
      isRegion ? { firstCluster: 0, clusterCount: 0 } : chainOf(recordCounts[i]! * 32),
    );
  });
  const files = tree.files.map((f) => ({ path: f.path, sizeBytes: f.size, ...chainOf(f.size) }));
  const firstClusterOf = new Map(files.map((f) => [f.path, f.firstCluster]));
  for (const [path, chain] of directoryChains) firstClusterOf.set(path, chain.firstCluster);

  const directories = tree.directories.map((d): FatDirectoryPlan => {
    const records: FatDirectoryRecord[] = [];
    const dirRecord = (shortName: string, firstCluster: number) => ({
      shortName,
      attributes: FAT_ATTR.directory,
      firstCluster,
      fileSize: 0,
    });
    if (d.path !== ".") {
      const slash = d.path.lastIndexOf("/");
      const parent = slash < 0 ? "." : d.path.slice(0, slash);
      // §6.3: ".." of a directory in the root points to cluster 0, even on FAT32.
      const parentCluster = parent === "." ? 0 : firstClusterOf.get(parent)!;
      records.push(
        dirRecord(".".padEnd(11), firstClusterOf.get(d.path)!),
        dirRecord("..".padEnd(11), parentCluster),
      );
    } else if (labelField !== undefined) {
      records.push({ shortName: labelField, attributes: FAT_ATTR.volumeId, firstCluster: 0, fileSize: 0 });
    }
    for (const child of d.children) {
      const isDirectory = child.node.type === "dir";
      records.push({
        ...(child.hasLongName ? { longName: child.name } : {}),
        shortName: child.shortName,
        attributes: isDirectory ? FAT_ATTR.directory : FAT_ATTR.archive,
        firstCluster: firstClusterOf.get(child.node.path)!,
        fileSize: isDirectory ? 0 : (child.node as { size: number }).size,
      });
    }
    return { path: d.path, ...directoryChains.get(d.path)!, records };
  });

  const bootSector: FatBootSector = {
    isFat32: fatType === "fat32",
    oemName: FAT_OEM_NAME,
    bytesPerSector: FAT_SECTOR_BYTES,
    sectorsPerCluster: geometry.sectorsPerCluster,
    reservedSectorCount: geometry.reservedSectorCount,
    numFats: 2,
    rootEntryCount: geometry.rootEntryCount,
    totalSectors: geometry.totalSectors,
    media: MEDIA_FIXED,
    fatSizeSectors: geometry.fatSizeSectors,
    // A made-up INT 13h geometry (LBA-assist's 63 sectors, 255 heads): nothing reads it from an image.
    sectorsPerTrack: 63,
    numHeads: 255,
    hiddenSectors: o.hiddenSectors,
    driveNumber: 0x80,
    volumeId: 0,
    volumeLabel: labelField ?? "NO NAME    ",
    fileSystemType: fatFileSystemType(fatType),
    ...(fatType === "fat32"
      ? { extFlags: 0, fsVersion: 0, rootCluster: 2, fsInfoSector: 1, backupBootSector: 6 }
      : {}),
  };
  const layout: FatLayout = {
    fatType,
    sizeBytes: geometry.totalSectors * FAT_SECTOR_BYTES,
    bootSector,
    clusterCount: geometry.clusterCount,
    clusterBytes,
    firstDataSector: geometry.firstDataSector,
    recordedAt: o.recordedAt,
    freeClusterCount: geometry.clusterCount - (next - 2),
    nextFreeCluster: next > 2 ? next - 1 : 0xffff_ffff,
    directories,
    files,
  };
  const volumeId = o.volumeId ?? createHash("sha256").update(JSON.stringify(layout)).digest().readUInt32BE(0);
  return { ...layout, bootSector: { ...bootSector, volumeId } };
}
