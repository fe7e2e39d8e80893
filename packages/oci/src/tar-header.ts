/**
 * The 512-byte tar header block as a pure codec: `decodeTarHeader` reads the POSIX ustar layout
 * (IEEE 1003.1-2008, pax "ustar Interchange Format"), the GNU variant (magic `ustar  \0`, no prefix
 * field, base-256 numbers) and old v7 headers (no magic); `encodeTarHeader` writes ustar only. Numbers
 * are octal, or base-256 when the first byte has its high bit set (GNU, also read by Go and bsdtar).
 * The checksum is verified. Extended headers (PAX, GNU long names) live in tar-pax.ts and
 * tar-reader.ts; star's `tar\0` trailer is recognised only to cut its shorter prefix field.
 */
import { assert } from "@ocikit/errors";
import { OciError } from "./errors.js";

/** Tar's unit: headers and bodies are padded to whole blocks. */
export const BLOCK_SIZE = 512;

/** A header block as stored, before PAX records and GNU long names are applied. */
export interface RawTarHeader {
  /** `prefix/name` for ustar, `name` otherwise; not normalised. */
  readonly name: string;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  readonly mtime: number;
  /** One character: `0`, `\0`, `1`…`7`, `x`, `g`, `L`, `K`, … */
  readonly typeflag: string;
  readonly linkname: string;
  readonly uname: string;
  readonly gname: string;
  readonly devMajor: number;
  readonly devMinor: number;
}

/** The fields `encodeTarHeader` writes; every value must fit its field (the writer checks first). */
export type TarHeaderFields = Omit<RawTarHeader, "name"> & { readonly name: string; readonly prefix: string };

// Field offsets and widths (ustar).
const F = {
  name: [0, 100],
  mode: [100, 8],
  uid: [108, 8],
  gid: [116, 8],
  size: [124, 12],
  mtime: [136, 12],
  chksum: [148, 8],
  typeflag: [156, 1],
  linkname: [157, 100],
  magic: [257, 8], // magic (6) + version (2)
  uname: [265, 32],
  gname: [297, 32],
  devMajor: [329, 8],
  devMinor: [337, 8],
  prefix: [345, 155],
} as const;

type Field = keyof typeof F;

const UTF8 = new TextDecoder("utf-8");
const ENCODER = new TextEncoder();

function field(block: Uint8Array, name: Field): Uint8Array {
  const [offset, width] = F[name];
  return block.subarray(offset, offset + width);
}

function text(bytes: Uint8Array): string {
  const nul = bytes.indexOf(0);
  return UTF8.decode(nul < 0 ? bytes : bytes.subarray(0, nul));
}

function sameBytes(bytes: Uint8Array, ascii: string): boolean {
  if (bytes.length !== ascii.length) return false;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== ascii.charCodeAt(i)) return false;
  return true;
}

/** Whether a block is all zeros (the end-of-archive marker is two of them). */
export function isZeroBlock(block: Uint8Array): boolean {
  for (let i = 0; i < block.length; i++) if (block[i] !== 0) return false;
  return true;
}

/**
 * Parses a numeric field: octal digits surrounded by spaces or NULs (empty means 0), or GNU base-256
 * (two's complement, big-endian, high bit of the first byte set). `where` locates error messages.
 * @throws {OciError} OCI_BAD_LAYER when the field is neither, or does not fit a safe integer
 */
export function parseTarNumber(bytes: Uint8Array, where: string): number {
  const first = bytes[0] ?? 0;
  if (first & 0x80) {
    const invert = first & 0x40 ? 0xff : 0;
    let value = 0;
    for (const [i, byte] of bytes.entries()) {
      const b = (byte ^ invert) & (i === 0 ? 0x7f : 0xff);
      value = value * 256 + b;
      if (value > Number.MAX_SAFE_INTEGER) {
        throw new OciError("OCI_BAD_LAYER", `${where}: base-256 number too large`);
      }
    }
    return invert ? -value - 1 : value;
  }
  const digits = text(bytes).replace(/^[ \0]+|[ \0]+$/g, "");
  if (digits === "") return 0;
  if (!/^[0-7]+$/.test(digits)) {
    throw new OciError("OCI_BAD_LAYER", `${where}: "${digits}" is not an octal number`);
  }
  const value = Number.parseInt(digits, 8);
  if (value > Number.MAX_SAFE_INTEGER) {
    throw new OciError("OCI_BAD_LAYER", `${where}: number ${digits} (octal) too large`);
  }
  return value;
}

/** Sums the block with the checksum field counted as spaces; tar's unsigned and historic signed sums. */
function checksums(block: Uint8Array): { unsigned: number; signed: number } {
  let unsigned = 0;
  let signed = 0;
  const [from, width] = F.chksum;
  for (let i = 0; i < block.length; i++) {
    const byte = i >= from && i < from + width ? 0x20 : (block[i] ?? 0);
    unsigned += byte;
    signed += byte >= 0x80 ? byte - 256 : byte;
  }
  return { unsigned, signed };
}

/**
 * Decodes one non-zero header block, verifying its checksum. `where` (layer and byte offset) starts
 * every error message.
 * @throws {OciError} OCI_BAD_LAYER on a checksum mismatch or a malformed numeric field
 */
export function decodeTarHeader(block: Uint8Array, where: string): RawTarHeader {
  assert(block.length === BLOCK_SIZE, "decodeTarHeader takes one 512-byte block");
  const stored = parseTarNumber(field(block, "chksum"), `${where}: header checksum`);
  const sums = checksums(block);
  if (stored !== sums.unsigned && stored !== sums.signed) {
    throw new OciError(
      "OCI_BAD_LAYER",
      `${where}: header checksum mismatch (stored ${stored}, computed ${sums.unsigned}); not a tar archive, or a corrupt one`,
    );
  }
  const magic = field(block, "magic");
  const isUstar = sameBytes(magic.subarray(0, 6), "ustar\0");
  const isGnu = sameBytes(magic, "ustar  \0");
  const number = (name: Field) => parseTarNumber(field(block, name), `${where}: header field ${name}`);
  let name = text(field(block, "name"));
  if (isUstar) {
    // star puts atime/ctime after a 131-byte prefix and marks it with "tar\0" at offset 508.
    const isStar = sameBytes(block.subarray(508, 512), "tar\0");
    const prefix = text(field(block, "prefix").subarray(0, isStar ? 131 : 155));
    if (prefix !== "") name = `${prefix}/${name}`;
  }
  const hasOwnerFields = isUstar || isGnu;
  return {
    name,
    mode: number("mode"),
    uid: number("uid"),
    gid: number("gid"),
    size: number("size"),
    mtime: number("mtime"),
    typeflag: String.fromCharCode(block[F.typeflag[0]] ?? 0),
    linkname: text(field(block, "linkname")),
    uname: hasOwnerFields ? text(field(block, "uname")) : "",
    gname: hasOwnerFields ? text(field(block, "gname")) : "",
    devMajor: hasOwnerFields ? number("devMajor") : 0,
    devMinor: hasOwnerFields ? number("devMinor") : 0,
  };
}

/** The largest value an octal field of `width` bytes holds (width - 1 digits and a NUL). */
export function maxOctal(width: number): number {
  return 8 ** (width - 1) - 1;
}

/** Widths of the fields the writer has to fit values into. */
export const FIELD_WIDTH = {
  name: F.name[1],
  prefix: F.prefix[1],
  linkname: F.linkname[1],
  uname: F.uname[1],
  gname: F.gname[1],
  id: F.uid[1],
  size: F.size[1],
  mtime: F.mtime[1],
  dev: F.devMajor[1],
} as const;

function putText(block: Uint8Array, name: Field, value: string | Uint8Array): void {
  const bytes = typeof value === "string" ? ENCODER.encode(value) : value;
  assert(bytes.length <= F[name][1], `tar header field ${name} overflows`);
  block.set(bytes, F[name][0]);
}

function putOctal(block: Uint8Array, name: Field, value: number): void {
  const width = F[name][1];
  assert(Number.isInteger(value) && value >= 0 && value <= maxOctal(width), `tar field ${name} overflows`);
  putText(block, name, `${value.toString(8).padStart(width - 1, "0")}\0`);
}

/**
 * Encodes a POSIX ustar header block (magic `ustar\0`, version `00`) with its checksum.
 * @throws {InternalError} when a value does not fit its field (the writer checks first: a bug)
 */
export function encodeTarHeader(fields: TarHeaderFields): Uint8Array {
  const block = new Uint8Array(BLOCK_SIZE);
  putText(block, "name", fields.name);
  putOctal(block, "mode", fields.mode);
  putOctal(block, "uid", fields.uid);
  putOctal(block, "gid", fields.gid);
  putOctal(block, "size", fields.size);
  putOctal(block, "mtime", fields.mtime);
  assert(fields.typeflag.length === 1, "a typeflag is one character");
  block[F.typeflag[0]] = fields.typeflag.charCodeAt(0);
  putText(block, "linkname", fields.linkname);
  putText(block, "magic", "ustar\u000000");
  putText(block, "uname", fields.uname);
  putText(block, "gname", fields.gname);
  putOctal(block, "devMajor", fields.devMajor);
  putOctal(block, "devMinor", fields.devMinor);
  putText(block, "prefix", fields.prefix);
  // GNU tar's form for the checksum: six octal digits, NUL, space.
  const sum = checksums(block).unsigned;
  putText(block, "chksum", `${sum.toString(8).padStart(6, "0")}\0 `);
  return block;
}
