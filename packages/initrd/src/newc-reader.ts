/**
 * Reads cpio "newc" (070701) archives — and "crc" (070702) ones, verifying their checksums as
 * kernels since 6.0 do — the way the kernel's init/initramfs.c unpacks them: several archives may
 * follow one another, each ending with `TRAILER!!!`; zero bytes between members and between archives
 * are skipped, and whatever follows them must start on a 4-byte boundary. Each entry comes with its
 * raw header (ino, nlink, dev, rdev, …), the index of the archive it came from and its offset, and an
 * `FsEntry` view whose body streams from the input.
 *
 * Hard links are recognised as the kernel recognises them: within one archive, a later member with the
 * same dev/ino/type as an earlier one whose nlink ≥ 2 is a link to it (`type: "hardlink"`,
 * `linkTarget` the first member's path). GNU cpio stores a group's data on its LAST link (the earlier
 * ones have size 0); the kernel writes that data into the shared file, so such a hard link keeps its
 * `size` and `body()`: they are the content of every name in the group.
 *
 * Stricter than the kernel (which silently skips or tolerates these): an archive must end with
 * `TRAILER!!!`; names over 4096 bytes, symlink targets over 4096 bytes, sockets, and non-files that
 * carry data are errors. Names are decoded as UTF-8 (invalid bytes become U+FFFD).
 */
import { ChunkReader, type FsEntry, type FsEntryType, normalizeEntryPath } from "@ocikit/fs";
import { InitrdError } from "./errors.js";
import { MemberBody, type NewcMember, skipExact, truncated } from "./newc-body.js";
import {
  checkNewcMagic,
  decodeNewcHeader,
  KERNEL_PATH_MAX,
  NEWC_HEADER_SIZE,
  type NewcHeaderFields,
  pad4,
  TRAILER_NAME,
} from "./newc-header.js";

/** A member's header as stored: the thirteen numbers (mode with its type bits) and the raw name. */
export interface NewcHeader extends NewcHeaderFields {
  readonly name: string;
}

/**
 * One archive member: an `FsEntry` view (normalised path, permission bits, type, size, link target,
 * device numbers from rdev) plus the header as stored. `body()` streams the member's data; consume
 * or abandon it before asking for the next entry.
 */
export interface NewcEntry extends FsEntry {
  readonly newc: NewcHeader;
  /** Which archive of the stream (0-based) the entry came from: the count of `TRAILER!!!`s before it. */
  readonly archive: number;
  /** Byte offset of the member's header in the stream it was read from. */
  readonly offset: number;
}

const decoder = new TextDecoder();

/**
 * Reads every newc archive in `chunks`, one after another, yielding their members (not the trailers).
 * @example
 * ```ts
 * for await (const entry of readNewc(createReadStream("initrd.cpio"))) console.log(entry.path, entry.newc.ino);
 * ```
 * @throws {InitrdError} INITRD_BAD_MAGIC, INITRD_BAD_HEADER, INITRD_BAD_PADDING, INITRD_TRUNCATED,
 *   INITRD_CHECKSUM_MISMATCH, INITRD_NAME_TOO_LONG, INITRD_LINK_TARGET_TOO_LONG, INITRD_BAD_ENTRY,
 *   INITRD_UNSUPPORTED_TYPE
 */
export async function* readNewc(chunks: AsyncIterable<Uint8Array>): AsyncIterable<NewcEntry> {
  const reader = new ChunkReader(chunks);
  try {
    yield* readNewcArchives(reader, { single: false });
  } finally {
    await reader.close();
  }
}

/**
 * Reads archives from `reader` until its end — or, with `single`, up to the end of the first
 * trailer (for initrds, where an uncompressed archive may be followed by a compressed member).
 */
export async function* readNewcArchives(
  reader: ChunkReader,
  options: { readonly single: boolean },
): AsyncGenerator<NewcEntry> {
  let archive = 0;
  let inArchive = false;
  let links = new Map<string, string>();
  for (;;) {
    await reader.skipZeros();
    if (await reader.atEnd()) {
      if (inArchive) throw truncated(reader.offset, `archive ${archive} ends without ${TRAILER_NAME}`);
      return;
    }
    const offset = reader.offset;
    if (offset % 4 !== 0) {
      throw new InitrdError(
        "INITRD_BAD_PADDING",
        `offset ${offset}: a cpio member starts off a 4-byte boundary; the kernel refuses this (broken padding)`,
        { offset },
      );
    }
    const fields = await readHeader(reader, offset);
    inArchive = true;
    const name = await readName(reader, fields, offset);
    if (name === TRAILER_NAME) {
      await skipExact(reader, fields.fileSize + pad4(fields.fileSize), offset);
      archive++;
      inArchive = false;
      links = new Map();
      if (options.single) return;
      continue;
    }
    const member = await readMember(reader, { ...fields, name }, offset, links);
    const body = new MemberBody(reader, member, offset);
    yield { ...member, archive, offset, body: () => body.open() };
    await body.finish();
  }
}

async function readHeader(reader: ChunkReader, offset: number): Promise<NewcHeaderFields> {
  const bytes = await reader.readExact(NEWC_HEADER_SIZE);
  if (bytes.length < NEWC_HEADER_SIZE) {
    if (bytes.length >= 6) checkNewcMagic(bytes, offset); // a wrong magic is the better message
    throw truncated(offset, `the input ends inside a ${NEWC_HEADER_SIZE}-byte header`);
  }
  return decodeNewcHeader(bytes, offset);
}

async function readName(reader: ChunkReader, fields: NewcHeaderFields, offset: number): Promise<string> {
  const { nameSize } = fields;
  if (nameSize === 0) {
    throw new InitrdError(
      "INITRD_BAD_HEADER",
      `offset ${offset}: namesize is 0; expected a NUL-terminated name`,
      {
        offset,
      },
    );
  }
  if (nameSize > KERNEL_PATH_MAX) {
    throw new InitrdError(
      "INITRD_NAME_TOO_LONG",
      `offset ${offset}: name of ${nameSize} bytes; the kernel skips entries whose name exceeds ${KERNEL_PATH_MAX} bytes`,
      { offset },
    );
  }
  const length = nameSize + pad4(NEWC_HEADER_SIZE + nameSize);
  const bytes = await reader.readExact(length);
  if (bytes.length < length) throw truncated(offset, "the input ends inside a member's name");
  if (bytes[nameSize - 1] !== 0) {
    throw new InitrdError(
      "INITRD_BAD_HEADER",
      `offset ${offset}: the name is not NUL-terminated (namesize ${nameSize})`,
      {
        offset,
      },
    );
  }
  return decoder.decode(bytes.subarray(0, nameSize - 1));
}

// A Map, not an object literal: biome's useSimpleNumberKeys rewrites octal keys into wrong decimals.
const TYPES: ReadonlyMap<number, FsEntryType> = new Map<number, FsEntryType>([
  [0o100000, "file"],
  [0o040000, "dir"],
  [0o120000, "symlink"],
  [0o020000, "char"],
  [0o060000, "block"],
  [0o010000, "fifo"],
]);

/** The FsEntry view of a member (everything but the body); reads a symlink's target. */
async function readMember(
  reader: ChunkReader,
  newc: NewcHeader,
  offset: number,
  links: Map<string, string>,
): Promise<NewcMember> {
  const path = normalizeEntryPath(newc.name);
  const typeBits = newc.mode & 0o170000;
  let type = TYPES.get(typeBits);
  if (type === undefined) {
    const what = typeBits === 0o140000 ? "a socket, which an FsEntry cannot carry" : "no known file type";
    throw new InitrdError(
      typeBits === 0o140000 ? "INITRD_UNSUPPORTED_TYPE" : "INITRD_BAD_HEADER",
      `${path} (offset ${offset}): mode 0o${newc.mode.toString(8)} is ${what}`,
      { path, offset },
    );
  }
  let linkTarget: string | undefined;
  if (type === "symlink") linkTarget = await readLinkTarget(reader, newc, path, offset);
  else if (type !== "file" && newc.fileSize !== 0) {
    throw new InitrdError(
      "INITRD_BAD_ENTRY",
      `${path} (offset ${offset}): a ${type} with ${newc.fileSize} bytes of data; the kernel skips such members`,
      { path, offset },
    );
  }
  // The kernel's maybe_link(): regular files and device nodes with nlink ≥ 2 link to the first member
  // of this archive with the same dev, ino and type.
  if (newc.nlink >= 2 && type !== "dir" && type !== "symlink") {
    const key = `${newc.devMajor}:${newc.devMinor}:${newc.ino}:${typeBits}`;
    const first = links.get(key);
    if (first === undefined) links.set(key, path);
    else {
      type = "hardlink";
      linkTarget = first;
    }
  }
  const device = type === "char" || type === "block";
  return {
    path,
    type,
    mode: newc.mode & 0o7777,
    uid: newc.uid,
    gid: newc.gid,
    mtime: newc.mtime,
    size: type === "file" || type === "hardlink" ? newc.fileSize : 0,
    ...(linkTarget === undefined ? {} : { linkTarget }),
    ...(device ? { devMajor: newc.rdevMajor, devMinor: newc.rdevMinor } : {}),
    newc,
  };
}

async function readLinkTarget(
  reader: ChunkReader,
  newc: NewcHeader,
  path: string,
  offset: number,
): Promise<string> {
  if (newc.fileSize > KERNEL_PATH_MAX) {
    throw new InitrdError(
      "INITRD_LINK_TARGET_TOO_LONG",
      `${path} (offset ${offset}): symlink target of ${newc.fileSize} bytes; the kernel skips targets over ${KERNEL_PATH_MAX} bytes`,
      { path, offset },
    );
  }
  const bytes = await reader.readExact(newc.fileSize);
  if (bytes.length < newc.fileSize)
    throw truncated(offset, `the input ends inside the symlink target of ${path}`);
  return decoder.decode(bytes);
}
