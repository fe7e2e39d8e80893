/**
 * The 32-byte FAT directory entry (fatgen103 §6): an 8.3 short name (DIR_Name, 11 bytes, space
 * padded, no dot), attributes, creation/access/write timestamps, the first cluster split in two
 * halves (DIR_FstClusHI is always 0 on FAT12/16) and the file size. Long names live in the entries
 * before it (fat-long-name.ts). A directory is a run of these; an entry whose first byte is 0 ends it.
 */
import { IsoError } from "./errors.js";
import type { FatTimestamp } from "./fat-timestamp.js";

/** DIR_Attr bits (fatgen103 §6). ATTR_LONG_NAME marks a long-name entry. */
export const FAT_ATTR = {
  readOnly: 0x01,
  hidden: 0x02,
  system: 0x04,
  volumeId: 0x08,
  directory: 0x10,
  archive: 0x20,
  longName: 0x0f,
} as const;

/** The size of one directory entry, short or long. */
export const FAT_DIRECTORY_ENTRY_BYTES = 32;

/** The fields of a short directory entry. */
export interface FatDirectoryEntry {
  /** DIR_Name: 11 characters (one byte each), base space-padded to 8, extension to 3 ("BOOTX64 EFI"). */
  readonly shortName: string;
  /** DIR_Attr: FAT_ATTR bits. */
  readonly attributes: number;
  /** DIR_NTRes: Windows NT's lower-case flags (0x08 base, 0x10 extension); we write 0. */
  readonly ntReserved: number;
  /** DIR_CrtTimeTenth, DIR_CrtTime, DIR_CrtDate. */
  readonly created: FatTimestamp;
  /** DIR_LstAccDate. */
  readonly accessedDate: number;
  /** DIR_WrtTime and DIR_WrtDate. */
  readonly written: Omit<FatTimestamp, "hundredths">;
  /** DIR_FstClusHI and DIR_FstClusLO together; 0 for an empty file (and ".." pointing to the root). */
  readonly firstCluster: number;
  /** DIR_FileSize in bytes; 0 for directories. */
  readonly fileSize: number;
}

/** The 32 bytes of a short entry. */
export function fatDirectoryEntryToBytes(entry: FatDirectoryEntry): Uint8Array {
  const bytes = new Uint8Array(FAT_DIRECTORY_ENTRY_BYTES);
  const view = new DataView(bytes.buffer);
  if (entry.shortName.length !== 11 || !/^[\x20-\xff]+$/.test(entry.shortName))
    throw new IsoError(
      "ISO_BAD_TREE",
      `FAT directory entry: DIR_Name ${JSON.stringify(entry.shortName)} is not 11 single-byte characters`,
    );
  for (let i = 0; i < 11; i++) bytes[i] = entry.shortName.charCodeAt(i);
  if (bytes[0] === 0xe5) bytes[0] = 0x05; // §6.1: 0xE5 would mark the entry free.
  bytes[11] = entry.attributes;
  bytes[12] = entry.ntReserved;
  bytes[13] = entry.created.hundredths;
  view.setUint16(14, entry.created.time, true);
  view.setUint16(16, entry.created.date, true);
  view.setUint16(18, entry.accessedDate, true);
  view.setUint16(20, entry.firstCluster >>> 16, true);
  view.setUint16(22, entry.written.time, true);
  view.setUint16(24, entry.written.date, true);
  view.setUint16(26, entry.firstCluster & 0xffff, true);
  view.setUint32(28, entry.fileSize >>> 0, true);
  return bytes;
}

/** The fields of the short entry in the first 32 bytes of `bytes` (a 0x05 lead byte reads as 0xE5). */
export function fatDirectoryEntryFromBytes(bytes: Uint8Array): FatDirectoryEntry {
  const view = new DataView(bytes.buffer, bytes.byteOffset, FAT_DIRECTORY_ENTRY_BYTES);
  const name = Array.from(bytes.subarray(0, 11));
  // §6.1: 0x05 stands for a name starting with the (Kanji lead) byte 0xE5, which marks free entries.
  if (name[0] === 0x05) name[0] = 0xe5;
  return {
    shortName: String.fromCharCode(...name),
    attributes: bytes[11]!,
    ntReserved: bytes[12]!,
    created: { hundredths: bytes[13]!, time: view.getUint16(14, true), date: view.getUint16(16, true) },
    accessedDate: view.getUint16(18, true),
    written: { time: view.getUint16(22, true), date: view.getUint16(24, true) },
    firstCluster: view.getUint16(20, true) * 0x1_0000 + view.getUint16(26, true),
    fileSize: view.getUint32(28, true),
  };
}
