/**
 * Writes cpio "newc" (070701) archives, the format the kernel unpacks into its initramfs
 * (Documentation/driver-api/early-userspace/buffer-format.rst), from a stream of `FsEntry`, the way
 * LinuxKit's initrd conversion does (linuxkit-reference.md §3.12): inode numbers from 721, one per
 * entry and the trailer; nlink 1 (2 for directories); device 3/1; rdev from the entry; check 0; mode =
 * permission bits | type; `TRAILER!!!`, then zeros to a multiple of 512 bytes. Bodies stream through;
 * small pieces are coalesced into chunks of up to 64 KiB so that a compressor downstream sees few,
 * large writes. Reading is in newc-reader.ts.
 *
 * Hard links are written as LinuxKit writes them: as symlinks whose target is relative to the link's
 * directory (`bin/ash` → `sh`). newc can express a hard link (same ino, nlink ≥ 2), but the kernel
 * only links a member to an EARLIER member with the same ino whose nlink was already ≥ 2; a stream
 * learns that a file is linked only when the link arrives, after the file's header has been written
 * with nlink 1. Writing real links would need the whole tree first (two passes or buffering), so we
 * keep LinuxKit's choice: the same tree as LinuxKit's initrd, in one pass.
 *
 * Left out: sockets (FsEntry has no socket type), the "crc" variant (the kernel does not need it).
 */
import { type FsEntry, normalizeEntryPath, OutputCoalescer, parentPath, sizedBody } from "@ocikit/fs";
import { InitrdError } from "./errors.js";
import {
  encodeNewcHeader,
  KERNEL_PATH_MAX,
  MAX_FIELD,
  NEWC_HEADER_SIZE,
  type NewcHeaderFields,
  pad4,
  TRAILER_NAME,
} from "./newc-header.js";

/** Options of `writeNewc`; defaults in `NEWC_WRITER_DEFAULTS`. */
export interface NewcWriterOptions {
  /** The first inode number; each entry takes the next, the trailer too. Default 721, as LinuxKit. */
  readonly inodeStart?: number;
  /** End with `TRAILER!!!` and zeros to a multiple of 512 bytes. Default true. */
  readonly trailer?: boolean;
}

export const NEWC_WRITER_DEFAULTS = { inodeStart: 721, trailer: true } as const;

/** The chunk size the writer coalesces small pieces into. */
export const NEWC_OUTPUT_CHUNK_SIZE = 64 * 1024;

// LinuxKit's gocpio stamps every member with device 3/1; we match it so the headers list the same.
const DEV_MAJOR = 3;
const DEV_MINOR = 1;

const TYPE_BITS: Readonly<Record<FsEntry["type"], number>> = {
  file: 0o100000,
  dir: 0o040000,
  symlink: 0o120000,
  hardlink: 0o120000,
  char: 0o020000,
  block: 0o060000,
  fifo: 0o010000,
};

const encoder = new TextEncoder();

/**
 * Writes `entries` as one newc archive, streaming each body once (see the module comment for the
 * layout and for hard links).
 * @example
 * ```ts
 * await writeFile("initrd.cpio", writeNewc(entries));
 * ```
 * @throws {InitrdError} INITRD_BAD_OPTION at once for an `inodeStart` outside 0…0xffffffff; while
 *   streaming: INITRD_MEMBER_TOO_LARGE (size ≥ 4 GiB, before any byte of that member),
 *   INITRD_SIZE_MISMATCH, INITRD_FIELD_OUT_OF_RANGE, INITRD_NAME_TOO_LONG,
 *   INITRD_LINK_TARGET_TOO_LONG, INITRD_BAD_ENTRY
 */
export function writeNewc(
  entries: AsyncIterable<FsEntry>,
  options: NewcWriterOptions = {},
): AsyncIterable<Uint8Array> {
  const { inodeStart, trailer } = { ...NEWC_WRITER_DEFAULTS, ...options };
  if (!Number.isInteger(inodeStart) || inodeStart < 0 || inodeStart > MAX_FIELD) {
    throw new InitrdError(
      "INITRD_BAD_OPTION",
      `writeNewc: inodeStart ${inodeStart} is out of range; expected an integer from 0 to ${MAX_FIELD}`,
    );
  }
  return generateNewc(entries, inodeStart, trailer);
}

async function* generateNewc(
  entries: AsyncIterable<FsEntry>,
  inodeStart: number,
  withTrailer: boolean,
): AsyncIterable<Uint8Array> {
  const out = new OutputCoalescer(NEWC_OUTPUT_CHUNK_SIZE);
  let ino = inodeStart;
  for await (const entry of entries) {
    const member = planMember(entry, ino++);
    yield* out.add(member.head);
    if (member.data) yield* out.add(member.data);
    else if (entry.type === "file") yield* copyBody(entry, out);
    yield* out.zeros(pad4(member.dataSize));
  }
  if (withTrailer) {
    const trailer = encodeHead(TRAILER_NAME, trailerFields(ino));
    yield* out.add(trailer);
    yield* out.zeros((512 - (out.written % 512)) % 512);
  }
  yield* out.flush();
}

/** What to write for one entry: header + name + padding, and the data unless it is a file's body. */
interface MemberPlan {
  readonly head: Uint8Array;
  readonly dataSize: number;
  readonly data?: Uint8Array;
}

function planMember(entry: FsEntry, ino: number): MemberPlan {
  const { path, type } = entry;
  if (path === "" || path.includes("\0")) {
    throw new InitrdError(
      "INITRD_BAD_ENTRY",
      `${JSON.stringify(path)}: not a valid entry name; expected a normalised path without NUL ("." for the root)`,
      { path },
    );
  }
  if (!Number.isInteger(entry.mode) || entry.mode < 0 || entry.mode > 0o7777) {
    throw new InitrdError(
      "INITRD_FIELD_OUT_OF_RANGE",
      `${path}: mode ${entry.mode} is not permission bits; expected 0 to 0o7777 (the type comes from the entry type)`,
      { path },
    );
  }
  const data = type === "symlink" || type === "hardlink" ? linkData(entry) : undefined;
  const dataSize = type === "file" ? fileSize(entry) : (data?.length ?? 0);
  const device = type === "char" || type === "block";
  const fields = {
    ino,
    mode: entry.mode | TYPE_BITS[type],
    uid: entry.uid,
    gid: entry.gid,
    nlink: type === "dir" ? 2 : 1,
    mtime: Math.floor(entry.mtime),
    fileSize: dataSize,
    devMajor: DEV_MAJOR,
    devMinor: DEV_MINOR,
    rdevMajor: device ? (entry.devMajor ?? 0) : 0,
    rdevMinor: device ? (entry.devMinor ?? 0) : 0,
    check: 0,
  };
  return { head: encodeHead(path, fields), dataSize, ...(data ? { data } : {}) };
}

function fileSize(entry: FsEntry): number {
  const { size, path } = entry;
  if (!Number.isInteger(size) || size < 0) {
    throw new InitrdError("INITRD_FIELD_OUT_OF_RANGE", `${path}: size ${size} is not a byte count`, { path });
  }
  if (size > MAX_FIELD) {
    throw new InitrdError(
      "INITRD_MEMBER_TOO_LARGE",
      `${path}: ${size} bytes is too large for an initrd; cpio newc holds files up to 4 GiB - 1 (LinuxKit issue #3926)`,
      { path },
    );
  }
  return size;
}

/** A symlink's target, or a hard link's as LinuxKit writes it: relative to the link's directory. */
function linkData(entry: FsEntry): Uint8Array {
  const { path, linkTarget } = entry;
  if (linkTarget === undefined || linkTarget === "" || linkTarget.includes("\0")) {
    throw new InitrdError(
      "INITRD_BAD_ENTRY",
      `${path}: ${entry.type} without a valid target (${JSON.stringify(linkTarget)}); expected a non-empty target without NUL`,
      { path },
    );
  }
  const target = entry.type === "hardlink" ? hardlinkAsSymlinkTarget(path, linkTarget) : linkTarget;
  const bytes = encoder.encode(target);
  if (bytes.length > KERNEL_PATH_MAX) {
    throw new InitrdError(
      "INITRD_LINK_TARGET_TOO_LONG",
      `${path}: link target of ${bytes.length} bytes; the kernel skips symlinks whose target exceeds ${KERNEL_PATH_MAX} bytes`,
      { path },
    );
  }
  return bytes;
}

/**
 * The symlink target LinuxKit writes for a hard link at `linkPath` to `targetPath` (both relative to
 * the root): `filepath.Rel(filepath.Dir(link), target)`, e.g. `bin/ash` → `bin/sh` gives `sh`.
 */
export function hardlinkAsSymlinkTarget(linkPath: string, targetPath: string): string {
  const segments = (path: string) => (path === "." ? [] : path.split("/"));
  const from = segments(parentPath(normalizeEntryPath(linkPath)));
  const to = segments(normalizeEntryPath(targetPath));
  let common = 0;
  while (common < from.length && common < to.length && from[common] === to[common]) common++;
  const parts = [...from.slice(common).map(() => ".."), ...to.slice(common)];
  return parts.length === 0 ? "." : parts.join("/");
}

function trailerFields(ino: number): Omit<NewcHeaderFields, "magic" | "nameSize"> {
  return {
    ino,
    mode: 0,
    uid: 0,
    gid: 0,
    nlink: 1,
    mtime: 0,
    fileSize: 0,
    devMajor: DEV_MAJOR,
    devMinor: DEV_MINOR,
    rdevMajor: 0,
    rdevMinor: 0,
    check: 0,
  };
}

/** Header, name, NUL and padding to 4, as one array (validated before anything is emitted). */
function encodeHead(path: string, fields: Omit<NewcHeaderFields, "magic" | "nameSize">): Uint8Array {
  const name = encoder.encode(path);
  const nameSize = name.length + 1;
  if (nameSize > KERNEL_PATH_MAX) {
    throw new InitrdError(
      "INITRD_NAME_TOO_LONG",
      `${path.slice(0, 64)}…: name of ${name.length} bytes; the kernel skips entries whose name (with NUL) exceeds ${KERNEL_PATH_MAX} bytes`,
      { path },
    );
  }
  const length = NEWC_HEADER_SIZE + nameSize;
  const head = new Uint8Array(length + pad4(length));
  encodeNewcHeader({ ...fields, nameSize }, head, 0, path);
  head.set(name, NEWC_HEADER_SIZE);
  return head;
}

/** Streams a file's body, checking that it has exactly `size` bytes. */
async function* copyBody(entry: FsEntry, out: OutputCoalescer): AsyncIterable<Uint8Array> {
  for await (const chunk of sizedBody(entry, (got) => sizeMismatch(entry, got))) yield* out.add(chunk);
}

function sizeMismatch(entry: FsEntry, got: string): InitrdError {
  return new InitrdError(
    "INITRD_SIZE_MISMATCH",
    `${entry.path}: the body has ${got} bytes but the entry's size is ${entry.size}; the entry source is inconsistent`,
    { path: entry.path },
  );
}
