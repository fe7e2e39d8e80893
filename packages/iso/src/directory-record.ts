/**
 * ECMA-119 §9.1: the directory record, one per file or directory in a directory's extent (and the
 * root's copy in a volume descriptor, §8.4.18). Layout: length, extended attribute record length
 * (always 0 here), extent location and data length in both byte orders, the 7-byte recording date,
 * file flags, file unit size and interleave gap (0: not interleaved), volume sequence number (1), the
 * identifier, a padding byte when the identifier's length is even, then the system use area that
 * SUSP/Rock Ridge fill. We keep every record's length even (a zero byte after the system use area
 * when needed), as mkisofs and xorriso do. Records never cross a sector (§6.8.1.1): see
 * `packDirectoryRecords`.
 */
import { assert } from "@ocikit/errors";
import { getBoth32, setBoth16, setBoth32 } from "./both-byte-order.js";
import { recordDateFromBytes, recordDateToBytes } from "./iso-date.js";

/** §9.1.6 file flags. */
export const FILE_FLAG_HIDDEN = 0x01;
export const FILE_FLAG_DIRECTORY = 0x02;

/** The identifier bytes of a directory's own record (".") and of its parent's (".."), §6.8.2.2. */
export const SELF_IDENTIFIER = Uint8Array.of(0);
export const PARENT_IDENTIFIER = Uint8Array.of(1);

/** The fixed part of a record, before the identifier. */
export const DIRECTORY_RECORD_BASE = 33;
/** A record's length is one byte. */
export const DIRECTORY_RECORD_MAX = 255;

/** One directory record, decoded. */
export interface DirectoryRecord {
  readonly extentLba: number;
  readonly dataLength: number;
  /** Seconds since the epoch (§9.1.5, written in UTC). */
  readonly recordedAtSeconds: number;
  readonly fileFlags: number;
  /** d-characters for ISO 9660, UCS-2 big-endian for Joliet, or 0x00 / 0x01 for "." / "..". */
  readonly identifier: Uint8Array;
  /** SUSP entries (Rock Ridge), possibly followed by one zero byte of padding. */
  readonly systemUse: Uint8Array;
}

/** The length of the record holding `identifierLength` bytes of identifier and no system use area. */
export function directoryRecordBaseLength(identifierLength: number): number {
  return DIRECTORY_RECORD_BASE + identifierLength + (identifierLength % 2 === 0 ? 1 : 0);
}

/** The encoded length of a record, padded to even. */
export function directoryRecordLength(identifierLength: number, systemUseLength: number): number {
  const length = directoryRecordBaseLength(identifierLength) + systemUseLength;
  return length + (length % 2);
}

/** Encodes `record` (§9.1). */
export function directoryRecordToBytes(record: DirectoryRecord): Uint8Array {
  const { identifier, systemUse } = record;
  const length = directoryRecordLength(identifier.length, systemUse.length);
  assert(length <= DIRECTORY_RECORD_MAX, `directory record of ${length} bytes`);
  const bytes = new Uint8Array(length);
  bytes[0] = length;
  bytes[1] = 0; // no extended attribute record
  setBoth32(bytes, 2, record.extentLba);
  setBoth32(bytes, 10, record.dataLength);
  bytes.set(recordDateToBytes(record.recordedAtSeconds), 18);
  bytes[25] = record.fileFlags;
  bytes[26] = 0; // file unit size: not interleaved
  bytes[27] = 0; // interleave gap size
  setBoth16(bytes, 28, 1); // volume sequence number
  bytes[32] = identifier.length;
  bytes.set(identifier, 33);
  bytes.set(systemUse, directoryRecordBaseLength(identifier.length));
  return bytes;
}

/** Decodes the record at the start of `bytes`; `undefined` at a zero length byte (the rest of a sector). */
export function directoryRecordFromBytes(bytes: Uint8Array): DirectoryRecord | undefined {
  const length = bytes[0] ?? 0;
  if (length === 0) return undefined;
  const identifierLength = bytes[32] ?? 0;
  const systemUseStart = directoryRecordBaseLength(identifierLength);
  return {
    extentLba: getBoth32(bytes, 2),
    dataLength: getBoth32(bytes, 10),
    recordedAtSeconds: recordDateFromBytes(bytes.subarray(18, 25)),
    fileFlags: bytes[25] ?? 0,
    identifier: Uint8Array.from(bytes.subarray(33, 33 + identifierLength)),
    systemUse: Uint8Array.from(bytes.subarray(systemUseStart, length)),
  };
}

/**
 * Where each record of a directory goes: byte offsets in its extent, records in order, none crossing
 * a `sectorSize` boundary (§6.8.1.1: the rest of a sector is left zero). Returns the offsets and the
 * extent's size in sectors (at least one).
 */
export function packDirectoryRecords(
  lengths: readonly number[],
  sectorSize: number,
): { readonly offsets: readonly number[]; readonly sectors: number } {
  const offsets: number[] = [];
  let at = 0;
  for (const length of lengths) {
    const inSector = at % sectorSize;
    if (inSector + length > sectorSize) at += sectorSize - inSector;
    offsets.push(at);
    at += length;
  }
  return { offsets, sectors: Math.max(1, Math.ceil(at / sectorSize)) };
}
