/**
 * VFAT long file names (fatgen103 §7): a name of up to 255 UTF-16 code units is cut into pieces of
 * 13, each in a 32-byte entry with DIR_Attr = ATTR_LONG_NAME (0x0F), stored last piece first right
 * before the short entry they belong to. LDIR_Ord numbers the pieces from 1, the last one or'ed with
 * 0x40; each carries LDIR_Chksum, the checksum of the short entry's 11-byte name, which ties them to
 * it. A name whose length is not a multiple of 13 ends with 0x0000, then 0xFFFF fills the piece.
 */
import { IsoError } from "./errors.js";
import { FAT_ATTR, FAT_DIRECTORY_ENTRY_BYTES } from "./fat-directory-entry.js";

/** The longest long name, in UTF-16 code units (§7: 255, i.e. 20 entries). */
export const FAT_LONG_NAME_MAX_LENGTH = 255;
/** UTF-16 code units per long-name entry: 5 in LDIR_Name1, 6 in LDIR_Name2, 2 in LDIR_Name3. */
export const FAT_LONG_NAME_CHARS_PER_ENTRY = 13;
/** LDIR_Ord's LAST_LONG_ENTRY bit. */
const LAST_LONG_ENTRY = 0x40;
/** Byte offsets of the 13 UTF-16 code units inside a long-name entry. */
const CHAR_OFFSETS = [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30] as const;

/** The fields of one long-name entry. */
export interface FatLongNameEntry {
  /** LDIR_Ord without the 0x40 bit: 1 for the name's first 13 code units. */
  readonly order: number;
  /** Whether LDIR_Ord has the LAST_LONG_ENTRY bit: the name's final piece, stored first. */
  readonly isLast: boolean;
  /** LDIR_Chksum: `shortNameChecksum` of the short entry that follows. */
  readonly checksum: number;
  /** The 13 UTF-16 code units of LDIR_Name1–3, terminator and 0xFFFF padding included. */
  readonly chars: readonly number[];
}

/** The checksum of an 11-byte short name (§7.2): rotate right by one bit, add the next byte, mod 256. */
export function shortNameChecksum(shortName: string): number {
  let sum = 0;
  for (let i = 0; i < 11; i++) sum = ((sum & 1 ? 0x80 : 0) + (sum >> 1) + shortName.charCodeAt(i)) & 0xff;
  return sum;
}

/**
 * The long-name entries of `longName` in on-disk order (the last piece first).
 * @throws {IsoError} ISO_BAD_TREE when the name is empty or longer than 255 UTF-16 code units
 */
export function fatLongNameEntriesFor(longName: string, checksum: number): FatLongNameEntry[] {
  if (longName.length === 0 || longName.length > FAT_LONG_NAME_MAX_LENGTH)
    throw new IsoError(
      "ISO_BAD_TREE",
      `${longName.slice(0, 40)}…: a FAT long name has 1 to ${FAT_LONG_NAME_MAX_LENGTH} UTF-16 code units, not ${longName.length}; shorten it`,
    );
  const count = Math.ceil(longName.length / FAT_LONG_NAME_CHARS_PER_ENTRY);
  const entries: FatLongNameEntry[] = [];
  for (let order = count; order >= 1; order--) {
    const chars: number[] = [];
    for (let i = 0; i < FAT_LONG_NAME_CHARS_PER_ENTRY; i++) {
      const at = (order - 1) * FAT_LONG_NAME_CHARS_PER_ENTRY + i;
      chars.push(at < longName.length ? longName.charCodeAt(at) : at === longName.length ? 0 : 0xffff);
    }
    entries.push({ order, isLast: order === count, checksum, chars });
  }
  return entries;
}

/** The name that long-name entries in on-disk order spell (up to the 0x0000 terminator). */
export function longNameOf(entries: readonly FatLongNameEntry[]): string {
  const units = [...entries].sort((a, b) => a.order - b.order).flatMap((e) => e.chars);
  const end = units.indexOf(0);
  return String.fromCharCode(...(end < 0 ? units : units.slice(0, end)));
}

/** The 32 bytes of a long-name entry. */
export function fatLongNameEntryToBytes(entry: FatLongNameEntry): Uint8Array {
  const bytes = new Uint8Array(FAT_DIRECTORY_ENTRY_BYTES);
  const view = new DataView(bytes.buffer);
  bytes[0] = entry.order | (entry.isLast ? LAST_LONG_ENTRY : 0);
  bytes[11] = FAT_ATTR.longName;
  // 12: LDIR_Type, 0 for a name piece; 26: LDIR_FstClusLO, 0.
  bytes[13] = entry.checksum;
  for (const [i, offset] of CHAR_OFFSETS.entries()) view.setUint16(offset, entry.chars[i] ?? 0xffff, true);
  return bytes;
}

/** The fields of the long-name entry in the first 32 bytes of `bytes`. */
export function fatLongNameEntryFromBytes(bytes: Uint8Array): FatLongNameEntry {
  const view = new DataView(bytes.buffer, bytes.byteOffset, FAT_DIRECTORY_ENTRY_BYTES);
  return {
    order: bytes[0]! & ~LAST_LONG_ENTRY,
    isLast: (bytes[0]! & LAST_LONG_ENTRY) !== 0,
    checksum: bytes[13]!,
    chars: CHAR_OFFSETS.map((offset) => view.getUint16(offset, true)),
  };
}
