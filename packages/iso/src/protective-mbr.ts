/**
 * The master boot record in LBA 0 (UEFI 2.10 §5.2.1, Table 5.1) and the protective MBR that precedes a
 * GPT (§5.2.3, Table 5.4): 440 bytes of boot code, UniqueMBRDiskSignature, two unknown bytes, four
 * 16-byte partition records and the 0x55 0xAA signature. The protective MBR has one record, type 0xEE,
 * from LBA 1 over the whole disk (capped at 0xFFFFFFFF blocks), so tools that only know MBR see the
 * disk as used. CHS fields follow the 255-head, 63-sector geometry every tool assumes, 0xFFFFFF when
 * the cylinder does not fit.
 * Left out: extended partitions (a GPT disk never has them).
 */
import { IsoError } from "./errors.js";

/** The OSType of the one record of a protective MBR. */
export const GPT_PROTECTIVE_OS_TYPE = 0xee;
/** The boot code area's size: the records start right after it, the disk signature, and 2 bytes. */
export const MBR_BOOT_CODE_SIZE_BYTES = 440;

/** A cylinder-head-sector address as the MBR stores it (3 bytes). */
export interface Chs {
  readonly cylinder: number;
  readonly head: number;
  readonly sector: number;
}

/** One of the four partition records. */
export interface MbrPartitionRecord {
  /** 0x80 marks the legacy-bootable partition, 0x00 the others. */
  readonly bootIndicator: number;
  readonly startingChs: Chs;
  readonly osType: number;
  readonly endingChs: Chs;
  readonly startingLba: number;
  readonly sizeInLba: number;
}

/** LBA 0 of a disk. */
export interface Mbr {
  /** Up to 440 bytes; zero-padded. */
  readonly bootCode: Uint8Array;
  readonly uniqueMbrDiskSignature: number;
  /** Up to four; the rest are zero. */
  readonly partitionRecords: readonly MbrPartitionRecord[];
}

const HEADS = 255;
const SECTORS_PER_TRACK = 63;
/** The address every CHS field holds when the block lies past cylinder 1023 (UEFI Table 5.4). */
const CHS_TOO_LARGE: Chs = { cylinder: 1023, head: 255, sector: 63 };

/** The CHS address of `lba` in the 255/63 geometry, or 0xFFFFFF's when it does not fit. */
export function lbaToChs(lba: number): Chs {
  const cylinder = Math.floor(lba / (HEADS * SECTORS_PER_TRACK));
  if (cylinder > 1023) return CHS_TOO_LARGE;
  return {
    cylinder,
    head: Math.floor(lba / SECTORS_PER_TRACK) % HEADS,
    sector: (lba % SECTORS_PER_TRACK) + 1,
  };
}

function chsToBytes(chs: Chs): [number, number, number] {
  return [chs.head & 0xff, (chs.sector & 0x3f) | ((chs.cylinder >> 2) & 0xc0), chs.cylinder & 0xff];
}

function chsFromBytes(bytes: Uint8Array): Chs {
  return { head: bytes[0]!, sector: bytes[1]! & 0x3f, cylinder: ((bytes[1]! & 0xc0) << 2) | bytes[2]! };
}

/** The protective MBR of a GPT disk of `totalBlocks` blocks (UEFI Table 5.4). */
export function protectiveMbr(totalBlocks: number): Mbr {
  const sizeInLba = Math.min(totalBlocks - 1, 0xffff_ffff);
  return {
    bootCode: new Uint8Array(0),
    // "Unused. Set to zero." (Table 5.4)
    uniqueMbrDiskSignature: 0,
    partitionRecords: [
      {
        bootIndicator: 0,
        startingChs: { cylinder: 0, head: 0, sector: 2 },
        osType: GPT_PROTECTIVE_OS_TYPE,
        endingChs: lbaToChs(totalBlocks - 1),
        startingLba: 1,
        sizeInLba,
      },
    ],
  };
}

/**
 * The 512 bytes of `mbr`.
 * @throws {IsoError} ISO_BAD_OPTION with more than 440 bytes of boot code or more than four records
 */
export function mbrToBytes(mbr: Mbr): Uint8Array {
  if (mbr.bootCode.length > MBR_BOOT_CODE_SIZE_BYTES)
    throw new IsoError("ISO_BAD_OPTION", `MBR: ${mbr.bootCode.length} bytes of boot code; at most 440 fit`);
  if (mbr.partitionRecords.length > 4)
    throw new IsoError(
      "ISO_BAD_OPTION",
      `MBR: ${mbr.partitionRecords.length} partition records; at most 4 fit`,
    );
  const sector = new Uint8Array(512);
  const view = new DataView(sector.buffer);
  sector.set(mbr.bootCode, 0);
  view.setUint32(440, mbr.uniqueMbrDiskSignature >>> 0, true);
  mbr.partitionRecords.forEach((record, i) => {
    const offset = 446 + 16 * i;
    sector[offset] = record.bootIndicator;
    sector.set(chsToBytes(record.startingChs), offset + 1);
    sector[offset + 4] = record.osType;
    sector.set(chsToBytes(record.endingChs), offset + 5);
    view.setUint32(offset + 8, record.startingLba >>> 0, true);
    view.setUint32(offset + 12, record.sizeInLba >>> 0, true);
  });
  sector[510] = 0x55;
  sector[511] = 0xaa;
  return sector;
}

/**
 * The MBR in `sector` (records whose OSType is 0 are dropped).
 * @throws {IsoError} ISO_BAD_OPTION when it lacks the 0x55 0xAA signature
 */
export function mbrFromBytes(sector: Uint8Array): Mbr {
  const slots = mbrPartitionSlotsFromBytes(sector);
  const view = new DataView(sector.buffer, sector.byteOffset, 512);
  return {
    bootCode: sector.slice(0, MBR_BOOT_CODE_SIZE_BYTES),
    uniqueMbrDiskSignature: view.getUint32(440, true),
    partitionRecords: slots.filter((r): r is MbrPartitionRecord => r !== undefined && r.osType !== 0),
  };
}

/**
 * The four partition records of the MBR in `sector` by slot, `undefined` where a slot is all zeros.
 * Unlike `mbrFromBytes` this keeps a record of OSType 0 that is not empty: `isohybrid --uefi` makes
 * partition 1 so, over the whole image, for firmware that rejects overlapping partitions to skip.
 * @throws {IsoError} ISO_BAD_OPTION when it lacks the 0x55 0xAA signature
 */
export function mbrPartitionSlotsFromBytes(sector: Uint8Array): (MbrPartitionRecord | undefined)[] {
  if (sector.length < 512 || sector[510] !== 0x55 || sector[511] !== 0xaa)
    throw new IsoError(
      "ISO_BAD_OPTION",
      "MBR: no 0x55 0xAA signature at offset 510; expected a master boot record",
    );
  const view = new DataView(sector.buffer, sector.byteOffset, 512);
  return [0, 1, 2, 3].map((i) => {
    const offset = 446 + 16 * i;
    if (sector.subarray(offset, offset + 16).every((b) => b === 0)) return undefined;
    return {
      bootIndicator: sector[offset]!,
      startingChs: chsFromBytes(sector.subarray(offset + 1, offset + 4)),
      osType: sector[offset + 4]!,
      endingChs: chsFromBytes(sector.subarray(offset + 5, offset + 8)),
      startingLba: view.getUint32(offset + 8, true),
      sizeInLba: view.getUint32(offset + 12, true),
    };
  });
}
