/**
 * ECMA-119 §8: the volume descriptors that follow the system area from sector 16. This file holds
 * the primary volume descriptor (§8.4, type 1), the Joliet supplementary volume descriptor (§8.5,
 * type 2, the same layout with the escape sequence `%/E` of UCS-2 level 3 at byte 88 and its text
 * fields in UCS-2 big-endian, Joliet specification §3 and §4), and the set terminator (§8.3,
 * type 255). The El Torito boot record (type 0) is in el-torito-boot-record.ts.
 *
 * Left out: multi-volume sets (volume set size and sequence number are 1), extended attribute
 * records, the optional second path tables (their locations are 0).
 */
import { getBoth16, getBoth32, getUint32, setBoth16, setBoth32, setUint32 } from "./both-byte-order.js";
import {
  type DirectoryRecord,
  directoryRecordFromBytes,
  directoryRecordToBytes,
} from "./directory-record.js";
import { volumeDateFromBytes, volumeDateToBytes } from "./iso-date.js";

export const SECTOR_SIZE = 2048;
/** The standard identifier of every volume descriptor (§8.1.2). */
export const STANDARD_IDENTIFIER = "CD001";
/** Joliet's escape sequence for UCS-2 level 3 (Joliet specification §4.2). */
export const JOLIET_ESCAPE_SEQUENCE = "%/E";

/** A primary or Joliet volume descriptor. Text fields are written padded with spaces. */
export interface VolumeDescriptor {
  readonly kind: "primary" | "joliet";
  readonly systemId: string;
  readonly volumeId: string;
  readonly volumeSpaceSectors: number;
  readonly pathTableBytes: number;
  readonly lPathTableLba: number;
  readonly mPathTableLba: number;
  readonly rootRecord: DirectoryRecord;
  readonly volumeSetId: string;
  readonly publisherId: string;
  readonly dataPreparerId: string;
  readonly applicationId: string;
  /** Seconds since the epoch: volume creation and modification (§8.4.26, §8.4.27). */
  readonly createdAtSeconds: number;
  readonly modifiedAtSeconds: number;
}

/** Encodes a primary (§8.4) or Joliet supplementary (§8.5) volume descriptor. */
export function volumeDescriptorToBytes(d: VolumeDescriptor): Uint8Array {
  const s = new Uint8Array(SECTOR_SIZE);
  const text = d.kind === "primary" ? asciiField : ucs2Field;
  s[0] = d.kind === "primary" ? 1 : 2;
  asciiField(s, 1, 5, STANDARD_IDENTIFIER);
  s[6] = 1; // volume descriptor version
  s[7] = 0; // volume flags: only escape sequences registered with ISO 2375 (§8.5.3)
  text(s, 8, 32, d.systemId);
  text(s, 40, 32, d.volumeId);
  setBoth32(s, 80, d.volumeSpaceSectors);
  if (d.kind === "joliet") asciiField(s, 88, 3, JOLIET_ESCAPE_SEQUENCE); // the rest of 88..119 stays zero
  setBoth16(s, 120, 1); // volume set size
  setBoth16(s, 124, 1); // volume sequence number
  setBoth16(s, 128, SECTOR_SIZE); // logical block size
  setBoth32(s, 132, d.pathTableBytes);
  setUint32(s, 140, d.lPathTableLba, "le");
  setUint32(s, 148, d.mPathTableLba, "be");
  s.set(directoryRecordToBytes(d.rootRecord), 156);
  text(s, 190, 128, d.volumeSetId);
  text(s, 318, 128, d.publisherId);
  text(s, 446, 128, d.dataPreparerId);
  text(s, 574, 128, d.applicationId);
  text(s, 702, 37, ""); // copyright file identifier
  text(s, 739, 37, ""); // abstract file identifier
  text(s, 776, 37, ""); // bibliographic file identifier
  s.set(volumeDateToBytes(d.createdAtSeconds), 813);
  s.set(volumeDateToBytes(d.modifiedAtSeconds), 830);
  s.set(volumeDateToBytes(undefined), 847); // expiration: none
  s.set(volumeDateToBytes(undefined), 864); // effective: at once
  s[881] = 1; // file structure version
  return s;
}

/** Decodes a primary or Joliet volume descriptor; `undefined` for any other sector. */
export function volumeDescriptorFromBytes(s: Uint8Array): VolumeDescriptor | undefined {
  if (String.fromCharCode(...s.subarray(1, 6)) !== STANDARD_IDENTIFIER) return undefined;
  const joliet = s[0] === 2 && String.fromCharCode(...s.subarray(88, 91)) === JOLIET_ESCAPE_SEQUENCE;
  if (s[0] !== 1 && !joliet) return undefined;
  const text = joliet ? readUcs2Field : readAsciiField;
  const rootRecord = directoryRecordFromBytes(s.subarray(156, 190));
  if (rootRecord === undefined) return undefined;
  return {
    kind: joliet ? "joliet" : "primary",
    systemId: text(s, 8, 32),
    volumeId: text(s, 40, 32),
    volumeSpaceSectors: getBoth32(s, 80),
    pathTableBytes: getBoth32(s, 132),
    lPathTableLba: getUint32(s, 140, "le"),
    mPathTableLba: getUint32(s, 148, "be"),
    rootRecord,
    volumeSetId: text(s, 190, 128),
    publisherId: text(s, 318, 128),
    dataPreparerId: text(s, 446, 128),
    applicationId: text(s, 574, 128),
    createdAtSeconds: volumeDateFromBytes(s.subarray(813, 830)) ?? 0,
    modifiedAtSeconds: volumeDateFromBytes(s.subarray(830, 847)) ?? 0,
  };
}

/**
 * The type of the volume descriptor in sector `s` (§8.1.1: 0 boot record, 1 primary, 2
 * supplementary, 3 partition, 255 set terminator), or `undefined` when it is not one ("CD001").
 */
export function volumeDescriptorTypeOf(s: Uint8Array): number | undefined {
  if (s.length < 7 || String.fromCharCode(...s.subarray(1, 6)) !== STANDARD_IDENTIFIER) return undefined;
  return s[0];
}

/**
 * The Joliet level (UCS-2 level 1, 2 or 3: escape sequences `%/@`, `%/C`, `%/E`, Joliet
 * specification §4.2) a supplementary volume descriptor announces, or `undefined` for another sector.
 */
export function jolietLevelOf(s: Uint8Array): 1 | 2 | 3 | undefined {
  if (volumeDescriptorTypeOf(s) !== 2) return undefined;
  const sequence = String.fromCharCode(...s.subarray(88, 91));
  return sequence === "%/@"
    ? 1
    : sequence === "%/C"
      ? 2
      : sequence === JOLIET_ESCAPE_SEQUENCE
        ? 3
        : undefined;
}

/** The logical block size a descriptor declares (2048 on every CD and ISO file). */
export function logicalBlockSizeOf(s: Uint8Array): number {
  return getBoth16(s, 128);
}

/** §8.3: the volume descriptor set terminator. */
export function terminatorToBytes(): Uint8Array {
  const s = new Uint8Array(SECTOR_SIZE);
  s[0] = 255;
  asciiField(s, 1, 5, STANDARD_IDENTIFIER);
  s[6] = 1;
  return s;
}

/** §7.4: an a- or d-character field padded with spaces. */
export function asciiField(target: Uint8Array, offset: number, width: number, text: string): void {
  for (let i = 0; i < width; i++) target[offset + i] = i < text.length ? text.charCodeAt(i) & 0x7f : 0x20;
}

/** A Joliet text field: UCS-2 big-endian, padded with U+0020 (an odd width leaves the last byte 0). */
function ucs2Field(target: Uint8Array, offset: number, width: number, text: string): void {
  for (let i = 0; i + 1 < width; i += 2) {
    const unit = i / 2 < text.length ? text.charCodeAt(i / 2) : 0x20;
    target[offset + i] = unit >> 8;
    target[offset + i + 1] = unit & 0xff;
  }
}

function readAsciiField(source: Uint8Array, offset: number, width: number): string {
  return String.fromCharCode(...source.subarray(offset, offset + width)).trimEnd();
}

function readUcs2Field(source: Uint8Array, offset: number, width: number): string {
  let text = "";
  for (let i = 0; i + 1 < width; i += 2)
    text += String.fromCharCode(((source[offset + i] ?? 0) << 8) | (source[offset + i + 1] ?? 0));
  let end = text.length;
  while (end > 0 && (text.charCodeAt(end - 1) === 0 || text.charCodeAt(end - 1) === 0x20)) end--;
  return text.slice(0, end);
}
