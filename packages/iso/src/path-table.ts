/**
 * ECMA-119 §9.4: the path table, one record per directory (identifier length, extended attribute
 * record length, extent location, parent directory number, identifier, a padding byte when the
 * length is odd), recorded twice: little-endian (type L) and big-endian (type M). Records are in the
 * order of §6.9.1 — by level, then by parent number, then by identifier — which the planner gives;
 * the root is number 1 and is its own parent. Joliet's tables are the same with UCS-2 identifiers.
 */
import { getUint16, getUint32, setUint16, setUint32 } from "./both-byte-order.js";

/** One directory in a path table. */
export interface PathTableRecord {
  /** d-characters, UCS-2 big-endian for Joliet, or a single 0x00 for the root. */
  readonly identifier: Uint8Array;
  readonly extentLba: number;
  /** The 1-based number of the parent directory's record (1 for the root and its children). */
  readonly parentNumber: number;
}

/** The length of one record. */
export function pathTableRecordLength(identifierLength: number): number {
  return 8 + identifierLength + (identifierLength % 2);
}

/** The size of a whole table in bytes (the volume descriptors' "path table size"). */
export function pathTableBytes(records: readonly Pick<PathTableRecord, "identifier">[]): number {
  return records.reduce((sum, r) => sum + pathTableRecordLength(r.identifier.length), 0);
}

/** Encodes a type L (`"le"`) or type M (`"be"`) path table. */
export function pathTableToBytes(records: readonly PathTableRecord[], order: "le" | "be"): Uint8Array {
  const bytes = new Uint8Array(pathTableBytes(records));
  let at = 0;
  for (const record of records) {
    bytes[at] = record.identifier.length;
    bytes[at + 1] = 0;
    setUint32(bytes, at + 2, record.extentLba, order);
    setUint16(bytes, at + 6, record.parentNumber, order);
    bytes.set(record.identifier, at + 8);
    at += pathTableRecordLength(record.identifier.length);
  }
  return bytes;
}

/** Decodes a path table of `size` bytes. */
export function pathTableFromBytes(bytes: Uint8Array, size: number, order: "le" | "be"): PathTableRecord[] {
  const records: PathTableRecord[] = [];
  let at = 0;
  while (at < size) {
    const length = bytes[at] ?? 0;
    if (length === 0) break;
    records.push({
      identifier: Uint8Array.from(bytes.subarray(at + 8, at + 8 + length)),
      extentLba: getUint32(bytes, at + 2, order),
      parentNumber: getUint16(bytes, at + 6, order),
    });
    at += pathTableRecordLength(length);
  }
  return records;
}
