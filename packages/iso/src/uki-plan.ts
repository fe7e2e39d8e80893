/**
 * Planning a Unified Kernel Image (UAPI Group's UKI specification; systemd-stub(7)): where sections
 * appended to a systemd-stub go, and how the stub's headers change, following what ukify's
 * `pe_add_sections` does:
 * - a COFF symbol table that ends the stub is dropped (PointerToSymbolTable and NumberOfSymbols 0,
 *   IMAGE_FILE_LOCAL_SYMS_STRIPPED set); SizeOfHeaders is rounded up to FileAlignment;
 * - each new section's header goes after the last one in the section table, which must still end
 *   within SizeOfHeaders; its data starts at the next FileAlignment boundary of the file so far and
 *   takes SizeOfRawData = its size rounded up to FileAlignment; it is placed in memory at the next
 *   SectionAlignment boundary after the previous section's VirtualAddress + VirtualSize;
 * - `.linux` is flagged CNT_CODE | MEM_READ (kernels booted by the EFI handover protocol run in place),
 *   the others CNT_INITIALIZED_DATA | MEM_READ;
 * - NumberOfSections and SizeOfInitializedData (by each VirtualSize) grow, SizeOfImage becomes the
 *   last section's end rounded up to SectionAlignment, and CheckSum is set to 0: firmware does not check
 *   it, signing tools recompute it, and leaving it 0 lets the image be written as a stream.
 * Refused (ISO_BAD_PE), as ukify refuses them: a signed stub, a stub that already has a section of
 * the same name, no room for the new section headers; and, where ukify would re-pad, a stub whose
 * sections' raw data is not FileAlignment-aligned.
 */
import { IsoError } from "./errors.js";
import {
  PE_FILE_HEADER_SIZE_BYTES,
  PE_FILE_LOCAL_SYMS_STRIPPED,
  PE_SYMBOL_SIZE_BYTES,
  peFileHeaderToBytes,
} from "./pe-file-header.js";
import { readPeHeaders } from "./pe-headers.js";
import { PE_DIRECTORY_CERTIFICATE_TABLE, peOptionalHeaderToBytes } from "./pe-optional-header.js";
import {
  PE_SCN_CNT_CODE,
  PE_SCN_CNT_INITIALIZED_DATA,
  PE_SCN_MEM_READ,
  PE_SECTION_HEADER_SIZE_BYTES,
  type PeSectionHeader,
  peSectionHeaderToBytes,
} from "./pe-section-header.js";

/** A section to append. */
export interface UkiSectionSpec {
  /** ".osrel", ".cmdline", ".uname", ".initrd", ".linux", …: at most 8 bytes. */
  readonly name: string;
  /** Bytes of its contents. */
  readonly sizeBytes: number;
  /** VirtualSize, when the section needs more memory than its contents (ukify gives `.linux` the kernel's SizeOfImage); default `sizeBytes`. */
  readonly virtualSizeBytes?: number;
}

/** A section as placed: its section header's fields. */
export interface PlannedUkiSection {
  readonly name: string;
  readonly sizeBytes: number;
  readonly virtualSize: number;
  readonly virtualAddress: number;
  readonly pointerToRawData: number;
  readonly sizeOfRawData: number;
  readonly characteristics: number;
}

/** Where a UKI's parts go and the header fields that change. Plain data. */
export interface UkiPlan {
  /** Bytes of the stub that are kept (all of it, less a symbol table at its end). */
  readonly stubSizeBytes: number;
  readonly isSymbolTableDropped: boolean;
  readonly numberOfSections: number;
  readonly sizeOfInitializedData: number;
  readonly sizeOfImage: number;
  readonly sizeOfHeaders: number;
  readonly checkSum: number;
  readonly sections: readonly PlannedUkiSection[];
  readonly sizeBytes: number;
}

const alignUp = (value: number, alignment: number) => Math.ceil(value / alignment) * alignment;

/** The bytes of the stub a symbol table at its end leaves (ukify drops it: images should have none). */
function keptStubSize(stub: Uint8Array, pointerToSymbolTable: number, numberOfSymbols: number): number {
  if (pointerToSymbolTable === 0) return stub.length;
  const symbolsEnd = pointerToSymbolTable + PE_SYMBOL_SIZE_BYTES * numberOfSymbols;
  if (symbolsEnd + 4 > stub.length) return stub.length;
  // The string table follows the records; its first 4 bytes are its size, themselves included.
  const stringTableSize = new DataView(stub.buffer, stub.byteOffset, stub.byteLength).getUint32(
    symbolsEnd,
    true,
  );
  return symbolsEnd + stringTableSize === stub.length ? pointerToSymbolTable : stub.length;
}

/**
 * Plans appending `sections`, in the order given, to the systemd-stub `stub`. Pure.
 * @throws {IsoError} ISO_BAD_PE when the stub is not a PE image or cannot take the sections (see the module comment)
 */
export function planUki(stub: Uint8Array, sections: readonly UkiSectionSpec[]): UkiPlan {
  const what = "EFI stub";
  const headers = readPeHeaders(stub, what);
  const { fileHeader, optionalHeader } = headers;
  const { fileAlignment, sectionAlignment } = optionalHeader;
  const certificates = optionalHeader.dataDirectories[PE_DIRECTORY_CERTIFICATE_TABLE];
  if (certificates && certificates.virtualAddress !== 0)
    throw new IsoError(
      "ISO_BAD_PE",
      `${what}: it is signed; sections cannot be added to a signed stub, use an unsigned one`,
    );
  for (const section of headers.sections) {
    if (section.pointerToRawData % fileAlignment !== 0 || section.sizeOfRawData % fileAlignment !== 0)
      throw new IsoError(
        "ISO_BAD_PE",
        `${what}: section ${section.name}'s raw data is not aligned to FileAlignment (${fileAlignment}); use the stub as systemd ships it`,
      );
  }
  const names = new Set(headers.sections.map((s) => s.name));
  for (const section of sections) {
    if (names.has(section.name))
      throw new IsoError(
        "ISO_BAD_PE",
        `${what}: it already has a ${section.name} section; use a stub without one`,
      );
    names.add(section.name);
  }

  const sizeOfHeaders = alignUp(optionalHeader.sizeOfHeaders, fileAlignment);
  const firstRawData = Math.min(
    sizeOfHeaders,
    ...headers.sections.filter((s) => s.sizeOfRawData > 0).map((s) => s.pointerToRawData),
  );
  const tableEnd =
    headers.sectionTableOffset + PE_SECTION_HEADER_SIZE_BYTES * (headers.sections.length + sections.length);
  if (tableEnd > firstRawData)
    throw new IsoError(
      "ISO_BAD_PE",
      `${what}: no room for ${sections.length} more section headers (the table would end at ${tableEnd}, the headers end at ${firstRawData})`,
    );

  const stubSizeBytes = keptStubSize(stub, fileHeader.pointerToSymbolTable, fileHeader.numberOfSymbols);
  let fileEnd = stubSizeBytes;
  let memoryEnd = Math.max(...headers.sections.map((s) => s.virtualAddress + s.virtualSize), sizeOfHeaders);
  let sizeOfInitializedData = optionalHeader.sizeOfInitializedData;
  const planned = sections.map((spec): PlannedUkiSection => {
    const virtualSize = spec.virtualSizeBytes ?? spec.sizeBytes;
    const pointerToRawData = alignUp(fileEnd, fileAlignment);
    const sizeOfRawData = alignUp(spec.sizeBytes, fileAlignment);
    const virtualAddress = alignUp(memoryEnd, sectionAlignment);
    fileEnd = pointerToRawData + sizeOfRawData;
    memoryEnd = virtualAddress + virtualSize;
    sizeOfInitializedData += virtualSize;
    return {
      name: spec.name,
      sizeBytes: spec.sizeBytes,
      virtualSize,
      virtualAddress,
      pointerToRawData,
      sizeOfRawData,
      characteristics:
        PE_SCN_MEM_READ | (spec.name === ".linux" ? PE_SCN_CNT_CODE : PE_SCN_CNT_INITIALIZED_DATA),
    };
  });
  const sizeOfImage = alignUp(memoryEnd, sectionAlignment);
  if (sizeOfImage > 0xffff_ffff || fileEnd > 0xffff_ffff)
    throw new IsoError(
      "ISO_BAD_PE",
      `UKI: ${fileEnd} bytes, ${sizeOfImage} in memory; a PE image holds less than 4 GiB`,
    );
  return {
    stubSizeBytes,
    isSymbolTableDropped: stubSizeBytes !== stub.length,
    numberOfSections: headers.sections.length + sections.length,
    sizeOfInitializedData,
    sizeOfImage,
    sizeOfHeaders,
    checkSum: 0,
    sections: planned,
    sizeBytes: fileEnd,
  };
}

/** The stub's kept bytes with its headers changed as `plan` says and the new section headers added. */
export function ukiStubBytes(stub: Uint8Array, plan: UkiPlan): Uint8Array {
  const headers = readPeHeaders(stub, "EFI stub");
  const out = stub.slice(0, plan.stubSizeBytes);
  const fileHeader = {
    ...headers.fileHeader,
    numberOfSections: plan.numberOfSections,
    ...(plan.isSymbolTableDropped && {
      pointerToSymbolTable: 0,
      numberOfSymbols: 0,
      characteristics: headers.fileHeader.characteristics | PE_FILE_LOCAL_SYMS_STRIPPED,
    }),
  };
  out.set(peFileHeaderToBytes(fileHeader), headers.signatureOffset + 4);
  const optionalHeader = {
    ...headers.optionalHeader,
    sizeOfInitializedData: plan.sizeOfInitializedData,
    sizeOfImage: plan.sizeOfImage,
    sizeOfHeaders: plan.sizeOfHeaders,
    checkSum: plan.checkSum,
  };
  out.set(peOptionalHeaderToBytes(optionalHeader), headers.signatureOffset + 4 + PE_FILE_HEADER_SIZE_BYTES);
  plan.sections.forEach((section, i) => {
    const header: PeSectionHeader = {
      name: section.name,
      virtualSize: section.virtualSize,
      virtualAddress: section.virtualAddress,
      sizeOfRawData: section.sizeOfRawData,
      pointerToRawData: section.pointerToRawData,
      pointerToRelocations: 0,
      pointerToLinenumbers: 0,
      numberOfRelocations: 0,
      numberOfLinenumbers: 0,
      characteristics: section.characteristics,
    };
    const offset = headers.sectionTableOffset + PE_SECTION_HEADER_SIZE_BYTES * (headers.sections.length + i);
    out.set(peSectionHeaderToBytes(header), offset);
  });
  return out;
}
