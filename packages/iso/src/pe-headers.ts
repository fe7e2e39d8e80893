/**
 * The headers at the front of a PE image (Microsoft PE/COFF specification, "Overview" and "MS-DOS
 * Stub"): the MS-DOS header ("MZ", e_lfanew at 0x3C), the "PE\0\0" signature, the COFF file header,
 * the optional header and the section table. Reading them is all a UKI needs: the stub's code and
 * data are copied, never interpreted.
 */
import { IsoError } from "./errors.js";
import { PE_FILE_HEADER_SIZE_BYTES, type PeFileHeader, peFileHeaderFromBytes } from "./pe-file-header.js";
import { type PeOptionalHeader, peOptionalHeaderFromBytes } from "./pe-optional-header.js";
import {
  PE_SECTION_HEADER_SIZE_BYTES,
  type PeSectionHeader,
  peSectionHeaderFromBytes,
} from "./pe-section-header.js";

/** Offset of e_lfanew, the file offset of the "PE\0\0" signature, in the MS-DOS header. */
const E_LFANEW_OFFSET = 0x3c;

/** A PE image's headers and where they are. */
export interface PeHeaders {
  /** File offset of "PE\0\0" (e_lfanew). */
  readonly signatureOffset: number;
  readonly fileHeader: PeFileHeader;
  readonly optionalHeader: PeOptionalHeader;
  /** File offset of the section table. */
  readonly sectionTableOffset: number;
  readonly sections: readonly PeSectionHeader[];
}

/** Whether `bytes` starts like a PE image ("MZ" and a "PE\0\0" signature where e_lfanew says). */
export function isPeImage(bytes: Uint8Array): boolean {
  if (bytes.length < E_LFANEW_OFFSET + 4 || bytes[0] !== 0x4d || bytes[1] !== 0x5a) return false;
  const offset = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(
    E_LFANEW_OFFSET,
    true,
  );
  return (
    offset + 4 <= bytes.length &&
    bytes[offset] === 0x50 &&
    bytes[offset + 1] === 0x45 &&
    bytes[offset + 2] === 0 &&
    bytes[offset + 3] === 0
  );
}

/**
 * The headers of the PE image `image`; `what` names it in messages ("EFI stub …").
 * @throws {IsoError} ISO_BAD_PE when it is not a PE image or its headers run past its end
 */
export function readPeHeaders(image: Uint8Array, what = "PE image"): PeHeaders {
  if (!isPeImage(image))
    throw new IsoError(
      "ISO_BAD_PE",
      `${what}: not a PE image (no "MZ" header pointing at a "PE\\0\\0" signature)`,
    );
  const signatureOffset = new DataView(image.buffer, image.byteOffset, image.byteLength).getUint32(
    E_LFANEW_OFFSET,
    true,
  );
  const fileHeaderOffset = signatureOffset + 4;
  if (fileHeaderOffset + PE_FILE_HEADER_SIZE_BYTES > image.length)
    throw new IsoError("ISO_BAD_PE", `${what}: the COFF file header runs past the end of the file`);
  const fileHeader = peFileHeaderFromBytes(image.subarray(fileHeaderOffset));
  const optionalOffset = fileHeaderOffset + PE_FILE_HEADER_SIZE_BYTES;
  const sectionTableOffset = optionalOffset + fileHeader.sizeOfOptionalHeader;
  const sectionTableEnd = sectionTableOffset + PE_SECTION_HEADER_SIZE_BYTES * fileHeader.numberOfSections;
  if (sectionTableEnd > image.length)
    throw new IsoError(
      "ISO_BAD_PE",
      `${what}: the optional header and section table run past the end of the file`,
    );
  let optionalHeader: PeOptionalHeader;
  try {
    optionalHeader = peOptionalHeaderFromBytes(image.subarray(optionalOffset, sectionTableOffset));
  } catch (error) {
    throw new IsoError("ISO_BAD_PE", `${what}: ${(error as Error).message}`, { cause: error });
  }
  const sections = Array.from({ length: fileHeader.numberOfSections }, (_, i) =>
    peSectionHeaderFromBytes(image.subarray(sectionTableOffset + PE_SECTION_HEADER_SIZE_BYTES * i)),
  );
  return { signatureOffset, fileHeader, optionalHeader, sectionTableOffset, sections };
}
