/**
 * Errors of @ocikit/iso. Each names the file or structure it is about and what to do; codes are
 * stable and listed in the README.
 */
import { OcikitError } from "@ocikit/errors";

export type IsoErrorCode =
  /** A name, path or tree the format cannot hold (too long, too deep, too many entries). */
  | "ISO_BAD_TREE"
  /** A file larger than the format allows (4 GiB - 1 for ISO 9660 without multi-extent, FAT32's 4 GiB - 1). */
  | "ISO_FILE_TOO_LARGE"
  /** An entry's body did not match its declared size while writing. */
  | "ISO_ENTRY_SIZE_MISMATCH"
  /** A boot file (isolinux.bin, the EFI stub, …) is missing or not what it must be. */
  | "ISO_BOOT_FILE"
  /** A PE file (the EFI stub) cannot be used to assemble a UKI. */
  | "ISO_BAD_PE"
  /** Contents do not fit the requested size (a FAT image, a partition). */
  | "ISO_NO_SPACE"
  /** An option is out of its range or malformed (a GUID, a partition name, a sector size). */
  | "ISO_BAD_OPTION"
  /** The entry stream given to a writer is not the one its layout was planned from (other paths or order). */
  | "ISO_STREAM_MISMATCH"
  /** An image being read is not ISO 9660, or is truncated or malformed (the message names the LBA). */
  | "ISO_BAD_IMAGE";

/** A failure the user or their inputs caused. */
export class IsoError extends OcikitError {
  declare readonly code: IsoErrorCode;
  constructor(code: IsoErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}
