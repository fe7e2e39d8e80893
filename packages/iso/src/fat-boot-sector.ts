/**
 * The FAT boot sector and its BIOS Parameter Block (fatgen103 §3.1–§3.3): sector 0 of every FAT
 * volume, and for FAT32 a backup copy at BPB_BkBootSec (sector 6). The BPB is the same for FAT12 and
 * FAT16 (§3.2, extended boot record at offset 36, code at 0x3E); FAT32 inserts its own fields at 36
 * (§3.3, code at 0x5A). Field names follow the spec's (`BPB_RsvdSecCnt` → `reservedSectorCount`).
 * The FAT type is not stored anywhere: it follows from the cluster count (§3.5, `fatTypeOf`).
 * Left out: sector sizes other than 512, BPB versions before DOS 4.0 (no extended boot signature).
 */

import { IsoError } from "./errors.js";
import { fatBootCode } from "./fat-boot-code.js";

/** The three FAT variants, named by the width of a FAT entry. */
export type FatType = "fat12" | "fat16" | "fat32";

/** BPB_BytsPerSec: we only write 512-byte sectors, what every disk and firmware accepts. */
export const FAT_SECTOR_BYTES = 512;

/** BS_BootSig: an extended boot record follows (BS_VolID, BS_VolLab, BS_FilSysType are valid). */
const EXTENDED_BOOT_SIGNATURE = 0x29;

/** The fields of a boot sector (fatgen103 §3.1–§3.3); FAT32-only fields are absent for FAT12/16. */
export interface FatBootSector {
  /** Whether the FAT32 layout of §3.3 is used (BPB_FATSz16 = 0). */
  readonly isFat32: boolean;
  /** BS_OEMName, 8 characters. */
  readonly oemName: string;
  /** BPB_BytsPerSec. */
  readonly bytesPerSector: number;
  /** BPB_SecPerClus: 1, 2, 4, … 128. */
  readonly sectorsPerCluster: number;
  /** BPB_RsvdSecCnt: sectors before the first FAT, boot sector included. */
  readonly reservedSectorCount: number;
  /** BPB_NumFATs. */
  readonly numFats: number;
  /** BPB_RootEntCnt: 32-byte entries in the FAT12/16 root directory region; 0 for FAT32. */
  readonly rootEntryCount: number;
  /** BPB_TotSec16, or BPB_TotSec32 when it does not fit 16 bits (and always on FAT32). */
  readonly totalSectors: number;
  /** BPB_Media: 0xF8 for fixed media; FAT[0]'s low byte repeats it. */
  readonly media: number;
  /** BPB_FATSz16, or BPB_FATSz32 on FAT32: sectors per FAT. */
  readonly fatSizeSectors: number;
  /** BPB_SecPerTrk and BPB_NumHeads: INT 13h geometry, meaningless for an image but kept plausible. */
  readonly sectorsPerTrack: number;
  readonly numHeads: number;
  /** BPB_HiddSec: sectors before this volume on its disk (the partition's first LBA). */
  readonly hiddenSectors: number;
  /** BS_DrvNum: 0x80, the first hard disk. */
  readonly driveNumber: number;
  /** BS_VolID: the volume serial number. */
  readonly volumeId: number;
  /** BS_VolLab: 11 characters, space-padded ("NO NAME    " when there is no label). */
  readonly volumeLabel: string;
  /** BS_FilSysType: "FAT12   ", "FAT16   " or "FAT32   " (informational only, says §3.2). */
  readonly fileSystemType: string;
  /** FAT32: BPB_ExtFlags (0: FATs mirrored at run time), BPB_FSVer (0.0). */
  readonly extFlags?: number;
  readonly fsVersion?: number;
  /** FAT32: BPB_RootClus, the first cluster of the root directory. */
  readonly rootCluster?: number;
  /** FAT32: BPB_FSInfo, the FSInfo sector's number. */
  readonly fsInfoSector?: number;
  /** FAT32: BPB_BkBootSec, the backup boot sector's number (6, as §3.3 recommends). */
  readonly backupBootSector?: number;
}

/** BS_FilSysType for a FAT type. */
export function fatFileSystemType(fatType: FatType): string {
  return `${fatType.toUpperCase()}   `;
}

/** The 512 bytes of a boot sector: BPB, our boot code stub (fat-boot-code.ts), 0x55 0xAA. */
export function fatBootSectorToBytes(bs: FatBootSector): Uint8Array {
  const sector = new Uint8Array(FAT_SECTOR_BYTES);
  const view = new DataView(sector.buffer);
  const codeOffset = bs.isFat32 ? 0x5a : 0x3e;
  const { jmpBoot, code } = fatBootCode(codeOffset);
  sector.set(jmpBoot, 0);
  sector.set(ascii(bs.oemName, 8, "BS_OEMName"), 3);
  view.setUint16(11, bs.bytesPerSector, true);
  view.setUint8(13, bs.sectorsPerCluster);
  view.setUint16(14, bs.reservedSectorCount, true);
  view.setUint8(16, bs.numFats);
  view.setUint16(17, bs.rootEntryCount, true);
  const isSmall = !bs.isFat32 && bs.totalSectors < 0x10000;
  view.setUint16(19, isSmall ? bs.totalSectors : 0, true);
  view.setUint8(21, bs.media);
  view.setUint16(22, bs.isFat32 ? 0 : bs.fatSizeSectors, true);
  view.setUint16(24, bs.sectorsPerTrack, true);
  view.setUint16(26, bs.numHeads, true);
  view.setUint32(28, bs.hiddenSectors, true);
  view.setUint32(32, isSmall ? 0 : bs.totalSectors, true);
  let ebr = 36; // the extended boot record: BS_DrvNum … BS_FilSysType
  if (bs.isFat32) {
    view.setUint32(36, bs.fatSizeSectors, true);
    view.setUint16(40, bs.extFlags ?? 0, true);
    view.setUint16(42, bs.fsVersion ?? 0, true);
    view.setUint32(44, bs.rootCluster ?? 2, true);
    view.setUint16(48, bs.fsInfoSector ?? 1, true);
    view.setUint16(50, bs.backupBootSector ?? 6, true);
    // 52: BPB_Reserved, 12 zero bytes.
    ebr = 64;
  }
  view.setUint8(ebr, bs.driveNumber);
  // ebr + 1: BS_Reserved1, which Windows NT uses as a "dirty" flag; 0 means clean.
  view.setUint8(ebr + 2, EXTENDED_BOOT_SIGNATURE);
  view.setUint32(ebr + 3, bs.volumeId >>> 0, true);
  sector.set(ascii(bs.volumeLabel, 11, "BS_VolLab"), ebr + 7);
  sector.set(ascii(bs.fileSystemType, 8, "BS_FilSysType"), ebr + 18);
  sector.set(code, codeOffset);
  sector[510] = 0x55;
  sector[511] = 0xaa;
  return sector;
}

/**
 * The fields of the boot sector in `sector` (the first 512 bytes are read).
 * @throws {IsoError} ISO_BAD_OPTION when it lacks the 0x55AA signature, the extended boot signature or
 *   512-byte sectors
 */
export function fatBootSectorFromBytes(sector: Uint8Array): FatBootSector {
  if (sector.length < FAT_SECTOR_BYTES || sector[510] !== 0x55 || sector[511] !== 0xaa)
    throw new IsoError(
      "ISO_BAD_OPTION",
      "FAT boot sector: no 0x55AA signature at offset 510; not a FAT volume",
    );
  const view = new DataView(sector.buffer, sector.byteOffset, FAT_SECTOR_BYTES);
  const bytesPerSector = view.getUint16(11, true);
  if (bytesPerSector !== FAT_SECTOR_BYTES)
    throw new IsoError(
      "ISO_BAD_OPTION",
      `FAT boot sector: BPB_BytsPerSec is ${bytesPerSector}; only 512 is supported`,
    );
  const fatSize16 = view.getUint16(22, true);
  const isFat32 = fatSize16 === 0;
  const ebr = isFat32 ? 64 : 36;
  if (view.getUint8(ebr + 2) !== EXTENDED_BOOT_SIGNATURE)
    throw new IsoError(
      "ISO_BAD_OPTION",
      "FAT boot sector: no extended boot signature (0x29); DOS 3 volumes are not supported",
    );
  const totalSectors16 = view.getUint16(19, true);
  const common = {
    isFat32,
    oemName: latin1(sector.subarray(3, 11)),
    bytesPerSector,
    sectorsPerCluster: view.getUint8(13),
    reservedSectorCount: view.getUint16(14, true),
    numFats: view.getUint8(16),
    rootEntryCount: view.getUint16(17, true),
    totalSectors: totalSectors16 !== 0 ? totalSectors16 : view.getUint32(32, true),
    media: view.getUint8(21),
    fatSizeSectors: isFat32 ? view.getUint32(36, true) : fatSize16,
    sectorsPerTrack: view.getUint16(24, true),
    numHeads: view.getUint16(26, true),
    hiddenSectors: view.getUint32(28, true),
    driveNumber: view.getUint8(ebr),
    volumeId: view.getUint32(ebr + 3, true),
    volumeLabel: latin1(sector.subarray(ebr + 7, ebr + 18)),
    fileSystemType: latin1(sector.subarray(ebr + 18, ebr + 26)),
  };
  if (!isFat32) return common;
  return {
    ...common,
    extFlags: view.getUint16(40, true),
    fsVersion: view.getUint16(42, true),
    rootCluster: view.getUint32(44, true),
    fsInfoSector: view.getUint16(48, true),
    backupBootSector: view.getUint16(50, true),
  };
}

/** RootDirSectors (fatgen103 §3.5): sectors of the FAT12/16 root directory region. */
export function rootDirSectorsOf(bs: Pick<FatBootSector, "rootEntryCount" | "bytesPerSector">): number {
  return Math.ceil((bs.rootEntryCount * 32) / bs.bytesPerSector);
}

/** FirstDataSector (fatgen103 §3.5): the sector of cluster 2. */
export function firstDataSectorOf(bs: FatBootSector): number {
  return bs.reservedSectorCount + bs.numFats * bs.fatSizeSectors + rootDirSectorsOf(bs);
}

/** CountofClusters (fatgen103 §3.5): the data clusters, numbered 2 … CountofClusters + 1. */
export function clusterCountOf(bs: FatBootSector): number {
  return Math.floor((bs.totalSectors - firstDataSectorOf(bs)) / bs.sectorsPerCluster);
}

/**
 * The FAT type a boot sector describes: FAT32 when BPB_FATSz16 is 0 (as Linux, dosfstools and EDK2
 * decide), else by CountofClusters — FAT12 below 4085 (fatgen103 §3.5).
 */
export function fatTypeOf(bs: FatBootSector): FatType {
  if (bs.isFat32) return "fat32";
  return clusterCountOf(bs) < 4085 ? "fat12" : "fat16";
}

function ascii(text: string, length: number, field: string): Uint8Array {
  const bytes = new Uint8Array(length).fill(0x20);
  if (text.length > length || !/^[\x20-\x7e]*$/.test(text))
    throw new IsoError(
      "ISO_BAD_OPTION",
      `FAT boot sector: ${field} ${JSON.stringify(text)} is not ${length} printable ASCII characters`,
    );
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

function latin1(bytes: Uint8Array): string {
  return new TextDecoder("latin1").decode(bytes);
}
