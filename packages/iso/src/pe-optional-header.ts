/**
 * The PE optional header (Microsoft PE/COFF specification, "Optional Header (Image Only)"): standard
 * fields, Windows-specific fields and the data directories, in its PE32 (magic 0x10B) and PE32+
 * (0x20B) forms, which differ in BaseOfData and in the width of ImageBase and the stack and heap
 * sizes. Fields 64 bits wide are `bigint`.
 */
import { IsoError } from "./errors.js";

/** Magic of a PE32 optional header. */
export const PE32_MAGIC = 0x10b;
/** Magic of a PE32+ optional header (64-bit images; every EFI stub we use). */
export const PE32_PLUS_MAGIC = 0x20b;
/** IMAGE_SUBSYSTEM_EFI_APPLICATION. */
export const PE_SUBSYSTEM_EFI_APPLICATION = 10;
/** The index of the certificate table (IMAGE_DIRECTORY_ENTRY_SECURITY): non-empty in a signed image. */
export const PE_DIRECTORY_CERTIFICATE_TABLE = 4;

/** One data directory: an RVA (a file offset for the certificate table) and a size. */
export interface PeDataDirectory {
  readonly virtualAddress: number;
  readonly size: number;
}

/** The optional header's fields. */
export interface PeOptionalHeader {
  readonly magic: number;
  readonly majorLinkerVersion: number;
  readonly minorLinkerVersion: number;
  readonly sizeOfCode: number;
  readonly sizeOfInitializedData: number;
  readonly sizeOfUninitializedData: number;
  readonly addressOfEntryPoint: number;
  readonly baseOfCode: number;
  /** PE32 only; 0 in PE32+. */
  readonly baseOfData: number;
  readonly imageBase: bigint;
  readonly sectionAlignment: number;
  readonly fileAlignment: number;
  readonly majorOperatingSystemVersion: number;
  readonly minorOperatingSystemVersion: number;
  readonly majorImageVersion: number;
  readonly minorImageVersion: number;
  readonly majorSubsystemVersion: number;
  readonly minorSubsystemVersion: number;
  readonly win32VersionValue: number;
  readonly sizeOfImage: number;
  readonly sizeOfHeaders: number;
  readonly checkSum: number;
  readonly subsystem: number;
  readonly dllCharacteristics: number;
  readonly sizeOfStackReserve: bigint;
  readonly sizeOfStackCommit: bigint;
  readonly sizeOfHeapReserve: bigint;
  readonly sizeOfHeapCommit: bigint;
  readonly loaderFlags: number;
  readonly dataDirectories: readonly PeDataDirectory[];
}

/** Where the two forms differ: the offset of the fields after DllCharacteristics, and their width. */
function layout(magic: number) {
  const isPlus = magic === PE32_PLUS_MAGIC;
  const wide = isPlus ? 8 : 4;
  const loaderFlags = 72 + 4 * wide;
  return { isPlus, wide, loaderFlags, dataDirectories: loaderFlags + 8 };
}

/** The header's size: the fixed fields plus 8 bytes per data directory (SizeOfOptionalHeader). */
export function peOptionalHeaderSizeBytes(
  header: Pick<PeOptionalHeader, "magic" | "dataDirectories">,
): number {
  return layout(header.magic).dataDirectories + 8 * header.dataDirectories.length;
}

/** The bytes of `header` (`peOptionalHeaderSizeBytes` of them). */
export function peOptionalHeaderToBytes(header: PeOptionalHeader): Uint8Array {
  const at = layout(header.magic);
  const bytes = new Uint8Array(peOptionalHeaderSizeBytes(header));
  const view = new DataView(bytes.buffer);
  const setWide = (offset: number, value: bigint) =>
    at.isPlus ? view.setBigUint64(offset, value, true) : view.setUint32(offset, Number(value), true);
  view.setUint16(0, header.magic, true);
  view.setUint8(2, header.majorLinkerVersion);
  view.setUint8(3, header.minorLinkerVersion);
  view.setUint32(4, header.sizeOfCode >>> 0, true);
  view.setUint32(8, header.sizeOfInitializedData >>> 0, true);
  view.setUint32(12, header.sizeOfUninitializedData >>> 0, true);
  view.setUint32(16, header.addressOfEntryPoint >>> 0, true);
  view.setUint32(20, header.baseOfCode >>> 0, true);
  if (at.isPlus) view.setBigUint64(24, header.imageBase, true);
  else {
    view.setUint32(24, header.baseOfData >>> 0, true);
    view.setUint32(28, Number(header.imageBase), true);
  }
  view.setUint32(32, header.sectionAlignment >>> 0, true);
  view.setUint32(36, header.fileAlignment >>> 0, true);
  view.setUint16(40, header.majorOperatingSystemVersion, true);
  view.setUint16(42, header.minorOperatingSystemVersion, true);
  view.setUint16(44, header.majorImageVersion, true);
  view.setUint16(46, header.minorImageVersion, true);
  view.setUint16(48, header.majorSubsystemVersion, true);
  view.setUint16(50, header.minorSubsystemVersion, true);
  view.setUint32(52, header.win32VersionValue >>> 0, true);
  view.setUint32(56, header.sizeOfImage >>> 0, true);
  view.setUint32(60, header.sizeOfHeaders >>> 0, true);
  view.setUint32(64, header.checkSum >>> 0, true);
  view.setUint16(68, header.subsystem, true);
  view.setUint16(70, header.dllCharacteristics, true);
  setWide(72, header.sizeOfStackReserve);
  setWide(72 + at.wide, header.sizeOfStackCommit);
  setWide(72 + 2 * at.wide, header.sizeOfHeapReserve);
  setWide(72 + 3 * at.wide, header.sizeOfHeapCommit);
  view.setUint32(at.loaderFlags, header.loaderFlags >>> 0, true);
  view.setUint32(at.loaderFlags + 4, header.dataDirectories.length, true);
  header.dataDirectories.forEach((directory, i) => {
    view.setUint32(at.dataDirectories + 8 * i, directory.virtualAddress >>> 0, true);
    view.setUint32(at.dataDirectories + 8 * i + 4, directory.size >>> 0, true);
  });
  return bytes;
}

/**
 * The optional header in `bytes` (SizeOfOptionalHeader bytes).
 * @throws {IsoError} ISO_BAD_PE for an unknown magic or a header shorter than its fields
 */
export function peOptionalHeaderFromBytes(bytes: Uint8Array): PeOptionalHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = bytes.length >= 2 ? view.getUint16(0, true) : 0;
  if (magic !== PE32_MAGIC && magic !== PE32_PLUS_MAGIC)
    throw new IsoError(
      "ISO_BAD_PE",
      `PE optional header: magic 0x${magic.toString(16)}; expected 0x10b (PE32) or 0x20b (PE32+)`,
    );
  const at = layout(magic);
  if (bytes.length < at.dataDirectories)
    throw new IsoError(
      "ISO_BAD_PE",
      `PE optional header: ${bytes.length} bytes; a ${at.isPlus ? "PE32+" : "PE32"} one has at least ${at.dataDirectories}`,
    );
  const getWide = (offset: number) =>
    at.isPlus ? view.getBigUint64(offset, true) : BigInt(view.getUint32(offset, true));
  const count = view.getUint32(at.loaderFlags + 4, true);
  if (at.dataDirectories + 8 * count > bytes.length)
    throw new IsoError(
      "ISO_BAD_PE",
      `PE optional header: ${count} data directories do not fit in its ${bytes.length} bytes`,
    );
  return {
    magic,
    majorLinkerVersion: view.getUint8(2),
    minorLinkerVersion: view.getUint8(3),
    sizeOfCode: view.getUint32(4, true),
    sizeOfInitializedData: view.getUint32(8, true),
    sizeOfUninitializedData: view.getUint32(12, true),
    addressOfEntryPoint: view.getUint32(16, true),
    baseOfCode: view.getUint32(20, true),
    baseOfData: at.isPlus ? 0 : view.getUint32(24, true),
    imageBase: at.isPlus ? view.getBigUint64(24, true) : BigInt(view.getUint32(28, true)),
    sectionAlignment: view.getUint32(32, true),
    fileAlignment: view.getUint32(36, true),
    majorOperatingSystemVersion: view.getUint16(40, true),
    minorOperatingSystemVersion: view.getUint16(42, true),
    majorImageVersion: view.getUint16(44, true),
    minorImageVersion: view.getUint16(46, true),
    majorSubsystemVersion: view.getUint16(48, true),
    minorSubsystemVersion: view.getUint16(50, true),
    win32VersionValue: view.getUint32(52, true),
    sizeOfImage: view.getUint32(56, true),
    sizeOfHeaders: view.getUint32(60, true),
    checkSum: view.getUint32(64, true),
    subsystem: view.getUint16(68, true),
    dllCharacteristics: view.getUint16(70, true),
    sizeOfStackReserve: getWide(72),
    sizeOfStackCommit: getWide(72 + at.wide),
    sizeOfHeapReserve: getWide(72 + 2 * at.wide),
    sizeOfHeapCommit: getWide(72 + 3 * at.wide),
    loaderFlags: view.getUint32(at.loaderFlags, true),
    dataDirectories: Array.from({ length: count }, (_, i) => ({
      virtualAddress: view.getUint32(at.dataDirectories + 8 * i, true),
      size: view.getUint32(at.dataDirectories + 8 * i + 4, true),
    })),
  };
}
