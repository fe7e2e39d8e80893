/**
 * The COFF file header of a PE image (Microsoft PE/COFF specification, "COFF File Header (Object and
 * Image)"): 20 bytes right after the "PE\0\0" signature, whose offset the MS-DOS stub keeps at 0x3C
 * (e_lfanew). Machine types and Characteristics flags are the ones a UKI needs.
 */

/** IMAGE_FILE_MACHINE_AMD64. */
export const PE_MACHINE_X86_64 = 0x8664;
/** IMAGE_FILE_MACHINE_ARM64. */
export const PE_MACHINE_AARCH64 = 0xaa64;
/** IMAGE_FILE_LOCAL_SYMS_STRIPPED: set when the COFF symbol table has been removed. */
export const PE_FILE_LOCAL_SYMS_STRIPPED = 0x0008;
/** Bytes of the COFF file header. */
export const PE_FILE_HEADER_SIZE_BYTES = 20;
/** Bytes of one COFF symbol table record (the string table follows the records). */
export const PE_SYMBOL_SIZE_BYTES = 18;

/** The COFF file header's fields. */
export interface PeFileHeader {
  readonly machine: number;
  readonly numberOfSections: number;
  readonly timeDateStamp: number;
  readonly pointerToSymbolTable: number;
  readonly numberOfSymbols: number;
  readonly sizeOfOptionalHeader: number;
  readonly characteristics: number;
}

/** The 20 bytes of `header`. */
export function peFileHeaderToBytes(header: PeFileHeader): Uint8Array {
  const bytes = new Uint8Array(PE_FILE_HEADER_SIZE_BYTES);
  const view = new DataView(bytes.buffer);
  view.setUint16(0, header.machine, true);
  view.setUint16(2, header.numberOfSections, true);
  view.setUint32(4, header.timeDateStamp >>> 0, true);
  view.setUint32(8, header.pointerToSymbolTable >>> 0, true);
  view.setUint32(12, header.numberOfSymbols >>> 0, true);
  view.setUint16(16, header.sizeOfOptionalHeader, true);
  view.setUint16(18, header.characteristics, true);
  return bytes;
}

/** The header in `bytes[0..20)` (the bytes after "PE\0\0"). */
export function peFileHeaderFromBytes(bytes: Uint8Array): PeFileHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, PE_FILE_HEADER_SIZE_BYTES);
  return {
    machine: view.getUint16(0, true),
    numberOfSections: view.getUint16(2, true),
    timeDateStamp: view.getUint32(4, true),
    pointerToSymbolTable: view.getUint32(8, true),
    numberOfSymbols: view.getUint32(12, true),
    sizeOfOptionalHeader: view.getUint16(16, true),
    characteristics: view.getUint16(18, true),
  };
}
