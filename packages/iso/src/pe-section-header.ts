/**
 * One entry of a PE section table (Microsoft PE/COFF specification, "Section Table (Section
 * Headers)"): 40 bytes — an 8-byte name (zero-padded, not terminated when it is 8 long), VirtualSize,
 * VirtualAddress, SizeOfRawData, PointerToRawData, relocation and line-number pointers and counts
 * (zero in images) and Characteristics.
 * Left out: long names through the string table ("/4"), which images do not use.
 */
import { IsoError } from "./errors.js";

/** Bytes of one section header. */
export const PE_SECTION_HEADER_SIZE_BYTES = 40;
/** IMAGE_SCN_CNT_CODE. */
export const PE_SCN_CNT_CODE = 0x0000_0020;
/** IMAGE_SCN_CNT_INITIALIZED_DATA. */
export const PE_SCN_CNT_INITIALIZED_DATA = 0x0000_0040;
/** IMAGE_SCN_MEM_READ. */
export const PE_SCN_MEM_READ = 0x4000_0000;

/** A section header's fields. */
export interface PeSectionHeader {
  readonly name: string;
  readonly virtualSize: number;
  readonly virtualAddress: number;
  readonly sizeOfRawData: number;
  readonly pointerToRawData: number;
  readonly pointerToRelocations: number;
  readonly pointerToLinenumbers: number;
  readonly numberOfRelocations: number;
  readonly numberOfLinenumbers: number;
  readonly characteristics: number;
}

/**
 * The 40 bytes of `header`.
 * @throws {IsoError} ISO_BAD_OPTION when the name is longer than 8 bytes
 */
export function peSectionHeaderToBytes(header: PeSectionHeader): Uint8Array {
  const name = new TextEncoder().encode(header.name);
  if (name.length > 8)
    throw new IsoError(
      "ISO_BAD_OPTION",
      `PE section "${header.name}": name of ${name.length} bytes; at most 8 fit`,
    );
  const bytes = new Uint8Array(PE_SECTION_HEADER_SIZE_BYTES);
  const view = new DataView(bytes.buffer);
  bytes.set(name, 0);
  view.setUint32(8, header.virtualSize >>> 0, true);
  view.setUint32(12, header.virtualAddress >>> 0, true);
  view.setUint32(16, header.sizeOfRawData >>> 0, true);
  view.setUint32(20, header.pointerToRawData >>> 0, true);
  view.setUint32(24, header.pointerToRelocations >>> 0, true);
  view.setUint32(28, header.pointerToLinenumbers >>> 0, true);
  view.setUint16(32, header.numberOfRelocations, true);
  view.setUint16(34, header.numberOfLinenumbers, true);
  view.setUint32(36, header.characteristics >>> 0, true);
  return bytes;
}

/** The header in `bytes[0..40)`. */
export function peSectionHeaderFromBytes(bytes: Uint8Array): PeSectionHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, PE_SECTION_HEADER_SIZE_BYTES);
  const rawName = bytes.subarray(0, 8);
  const end = rawName.indexOf(0);
  return {
    name: new TextDecoder().decode(end === -1 ? rawName : rawName.subarray(0, end)),
    virtualSize: view.getUint32(8, true),
    virtualAddress: view.getUint32(12, true),
    sizeOfRawData: view.getUint32(16, true),
    pointerToRawData: view.getUint32(20, true),
    pointerToRelocations: view.getUint32(24, true),
    pointerToLinenumbers: view.getUint32(28, true),
    numberOfRelocations: view.getUint16(32, true),
    numberOfLinenumbers: view.getUint16(34, true),
    characteristics: view.getUint32(36, true),
  };
}
