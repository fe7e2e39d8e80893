/**
 * The 110-byte header of a cpio "newc" (070701) or "crc" (070702) member, as a pure codec: magic, then
 * thirteen 8-digit hex fields (ino, mode, uid, gid, nlink, mtime, filesize, devmajor, devminor,
 * rdevmajor, rdevminor, namesize, check). The name (namesize bytes, NUL included) follows, padded so
 * that header + name is a multiple of 4; then the data, padded to 4. Sources: cpio(5) from libarchive,
 * the kernel's Documentation/driver-api/early-userspace/buffer-format.rst and init/initramfs.c.
 * We write lowercase hex, as surma/gocpio (vendored by LinuxKit) formats it with %08x; GNU cpio and the
 * kernel's gen_init_cpio write uppercase. We read either case, as the kernel does.
 */
import { InitrdError } from "./errors.js";

export const NEWC_HEADER_SIZE = 110;
export const NEWC_MAGIC = "070701";
/** The "crc" variant: same layout, `check` is the sum of the data bytes of regular files. */
export const CRC_MAGIC = "070702";
/** The largest value of an 8-hex-digit field. */
export const MAX_FIELD = 0xffff_ffff;
export const TRAILER_NAME = "TRAILER!!!";
/** The kernel's PATH_MAX: it silently skips members whose name (NUL included) or symlink target is longer. */
export const KERNEL_PATH_MAX = 4096;

/** The numeric fields of a header, in their on-disk order. */
export const NEWC_FIELDS = [
  "ino",
  "mode",
  "uid",
  "gid",
  "nlink",
  "mtime",
  "fileSize",
  "devMajor",
  "devMinor",
  "rdevMajor",
  "rdevMinor",
  "nameSize",
  "check",
] as const;

export type NewcField = (typeof NEWC_FIELDS)[number];

/** A decoded header: the magic and the thirteen numbers (mode includes the S_IFMT type bits). */
export type NewcHeaderFields = { readonly magic: "070701" | "070702" } & {
  readonly [K in NewcField]: number;
};

const HEX = new TextEncoder().encode("0123456789abcdef");

/**
 * Encodes a newc (070701) header into `into` at `at` (110 bytes). `path` names the entry in errors.
 * @throws {InitrdError} INITRD_FIELD_OUT_OF_RANGE when a field is not an integer in 0…0xffffffff
 */
export function encodeNewcHeader(
  fields: Omit<NewcHeaderFields, "magic">,
  into: Uint8Array,
  at: number,
  path: string,
): void {
  for (let i = 0; i < 6; i++) into[at + i] = NEWC_MAGIC.charCodeAt(i);
  let offset = at + 6;
  for (const name of NEWC_FIELDS) {
    const value = fields[name];
    if (!Number.isInteger(value) || value < 0 || value > MAX_FIELD) {
      throw new InitrdError(
        "INITRD_FIELD_OUT_OF_RANGE",
        `${path}: ${name} ${value} does not fit a newc header field; expected an integer from 0 to ${MAX_FIELD}`,
        { path },
      );
    }
    let rest = value;
    for (let digit = 7; digit >= 0; digit--) {
      into[offset + digit] = HEX[rest & 15] ?? 0;
      rest >>>= 4;
    }
    offset += 8;
  }
}

function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  const lower = byte | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/**
 * Decodes a 110-byte header found at stream offset `offset` (for messages).
 * @throws {InitrdError} INITRD_BAD_MAGIC for another cpio format or non-cpio bytes;
 *   INITRD_BAD_HEADER for a field that is not 8 hex digits
 */
export function decodeNewcHeader(bytes: Uint8Array, offset: number): NewcHeaderFields {
  const magic = checkNewcMagic(bytes, offset);
  const values: Partial<Record<NewcField, number>> = {};
  let at = 6;
  for (const name of NEWC_FIELDS) {
    let value = 0;
    for (let i = 0; i < 8; i++) {
      const digit = hexValue(bytes[at + i] ?? 0);
      if (digit < 0) {
        const text = JSON.stringify(String.fromCharCode(...bytes.subarray(at, at + 8)));
        throw new InitrdError(
          "INITRD_BAD_HEADER",
          `offset ${offset}: newc header field ${name} is ${text}; expected 8 hex digits`,
          { offset },
        );
      }
      value = value * 16 + digit;
    }
    values[name] = value;
    at += 8;
  }
  return { magic, ...(values as Record<NewcField, number>) };
}

/**
 * The magic at the start of `bytes` (at stream offset `offset`), if it is newc's or crc's.
 * @throws {InitrdError} INITRD_BAD_MAGIC, saying which other format it is when it can tell
 */
export function checkNewcMagic(bytes: Uint8Array, offset: number): "070701" | "070702" {
  const text = String.fromCharCode(...bytes.subarray(0, 6));
  if (text === NEWC_MAGIC || text === CRC_MAGIC) return text;
  const hint =
    text === "070707"
      ? "this is the old portable (odc) format; the kernel reads only newc: write it with cpio -H newc"
      : bytes[0] === 0xc7 && bytes[1] === 0x71
        ? "this is the old binary cpio format; the kernel reads only newc: write it with cpio -H newc"
        : bytes[0] === 0x1f && bytes[1] === 0x8b
          ? "this is gzip data; read whole initrd files with readInitrd"
          : `expected the newc magic ${NEWC_MAGIC} (or ${CRC_MAGIC})`;
  const shown = Array.from(bytes.subarray(0, 6), (b) => b.toString(16).padStart(2, "0")).join(" ");
  throw new InitrdError(
    "INITRD_BAD_MAGIC",
    `offset ${offset}: no cpio newc magic (bytes ${shown}); ${hint}`,
    {
      offset,
    },
  );
}

/** The padding that brings `length` to a multiple of 4. */
export function pad4(length: number): number {
  return (4 - (length % 4)) % 4;
}
