/**
 * Errors of @ocikit/initrd. Each names what it is about (an entry's path, or a byte offset in the
 * archive or initrd being read), what is wrong and what was expected; codes are stable and listed in
 * the README.
 */
import { OcikitError } from "@ocikit/errors";

export type InitrdErrorCode =
  /** A regular file of 4 GiB or more: newc's filesize field has 8 hex digits (LinuxKit issue #3926). */
  | "INITRD_MEMBER_TOO_LARGE"
  /** An entry's body yielded more or fewer bytes than its `size` said. */
  | "INITRD_SIZE_MISMATCH"
  /** A uid, gid, mode, mtime, device number or inode that does not fit an 8-hex-digit field. */
  | "INITRD_FIELD_OUT_OF_RANGE"
  /** A name of 4096 bytes or more (with its NUL): the kernel silently skips such entries. */
  | "INITRD_NAME_TOO_LONG"
  /** A symlink target over 4096 bytes: the kernel silently skips such entries. */
  | "INITRD_LINK_TARGET_TOO_LONG"
  /** An entry that cannot be written or read as given (no link target, a NUL in its name, …). */
  | "INITRD_BAD_ENTRY"
  /** A file type newc or FsEntry cannot carry (a socket). */
  | "INITRD_UNSUPPORTED_TYPE"
  /** Bytes that start neither a newc header nor a known compressed member. */
  | "INITRD_BAD_MAGIC"
  /** A header field that is not 8 hex digits, or a name without its NUL. */
  | "INITRD_BAD_HEADER"
  /** An archive that does not start on a 4-byte boundary (the kernel's "broken padding"). */
  | "INITRD_BAD_PADDING"
  /** The input ends inside a header, name, body or gzip member, or before `TRAILER!!!`. */
  | "INITRD_TRUNCATED"
  /** A "crc" (070702) member whose data does not add up to its check field. */
  | "INITRD_CHECKSUM_MISMATCH"
  /** A gzip member that does not decompress or whose CRC-32 or length trailer is wrong. */
  | "INITRD_BAD_GZIP"
  /** A compressed member in a format this package does not read (xz, zstd, bzip2, lzma, lz4, lzo). */
  | "INITRD_UNSUPPORTED_COMPRESSION"
  /** An option out of its range (`inodeStart`, `level`, `compression`). */
  | "INITRD_BAD_OPTION";

/** What an error is about, for callers that want more than the message. */
export interface InitrdErrorData {
  /** The entry's path, when the error is about one entry. */
  readonly path?: string;
  /** The byte offset in the stream being read (decompressed stream for entries in a gzip member). */
  readonly offset?: number;
}

/** A failure in writing or reading an initrd that the user's input caused. */
export class InitrdError extends OcikitError {
  declare readonly code: InitrdErrorCode;
  readonly data: InitrdErrorData;
  constructor(code: InitrdErrorCode, message: string, data: InitrdErrorData = {}, options?: ErrorOptions) {
    super(code, message, options);
    this.data = data;
  }
}
