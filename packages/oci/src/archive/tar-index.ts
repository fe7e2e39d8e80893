/**
 * A random-access index of an uncompressed tar file on disk: member path → where its data starts and
 * how long it is, built by reading the header blocks only (ustar, GNU and PAX; PAX and GNU long
 * names through the same codecs as the streaming reader: tar-header.ts, tar-pax.ts,
 * tar-entry-header.ts). A member's bytes are then streamed from the file with
 * `createReadStream(file, { start, end })`: nothing is extracted, and a multi-gigabyte `docker save`
 * costs one read per member to index. Symlinks and hardlinks between members are followed (skopeo's
 * and old Docker's archives link `<id>/layer.tar` to the real file). Compressed archives cannot be
 * indexed (no random access): they are recognised and refused with a hint.
 */
import { createReadStream } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { type FsEntryType, joinEntryPath, normalizeEntryPath, parentPath, readAt } from "@ocikit/fs";
import { OciError } from "../errors.js";
import { sniffLayerEncoding } from "../layer-decompress.js";
import { resolveTarHeader, type TarExtensions } from "../tar-entry-header.js";
import { BLOCK_SIZE, decodeTarHeader, isZeroBlock } from "../tar-header.js";
import { mergeGlobals, parsePaxRecords } from "../tar-pax.js";

/** One member of an indexed tar file. */
export interface TarMember {
  /** Normalised path (`blobs/sha256/…`, `manifest.json`). */
  readonly path: string;
  readonly type: FsEntryType;
  /** Byte offset of the member's data in the file. */
  readonly offset: number;
  /** Data size in bytes (0 for everything but regular files). */
  readonly size: number;
  /** Symlink target as stored, or a hardlink's normalised target path. */
  readonly linkTarget?: string;
}

// As in the streaming reader: a PAX or GNU long-name header above 1 MiB is hostile, not buffered.
const MAX_EXTENSION_SIZE = 1 << 20;
// Links to links are followed this far (a loop in a hostile archive ends here).
const MAX_LINK_HOPS = 16;

const padded = (size: number) => Math.ceil(size / BLOCK_SIZE) * BLOCK_SIZE;

function badArchive(file: string, detail: string, cause?: unknown): OciError {
  return new OciError("OCI_BAD_ARCHIVE", `${file}: ${detail}`, cause === undefined ? undefined : { cause });
}

/** Opens `file`, turning a missing or unreadable file into an error that names it. */
async function openArchiveFile(file: string): Promise<FileHandle> {
  try {
    return await open(file, "r");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT")
      throw new OciError("OCI_NOT_FOUND", `${file}: no such archive file`, { cause: error });
    throw badArchive(file, `cannot open the archive (${(error as Error).message})`, error);
  }
}

/** A tar file's members by path, and their bytes on demand. Construct with `TarIndex.open`. */
export class TarIndex {
  readonly file: string;
  readonly #members: readonly TarMember[];
  readonly #byPath: ReadonlyMap<string, TarMember>;

  private constructor(file: string, members: readonly TarMember[]) {
    this.file = file;
    this.#members = members;
    // A later member with the same path replaces an earlier one, as when tar extracts.
    this.#byPath = new Map(members.map((m) => [m.path, m]));
  }

  /**
   * Indexes `file` by reading its headers.
   * @throws {OciError} OCI_NOT_FOUND when the file does not exist; OCI_BAD_ARCHIVE (naming the file
   *   and the byte offset) for a compressed or corrupt archive, a truncated member, an unsupported
   *   entry type
   */
  static async open(file: string): Promise<TarIndex> {
    const handle = await openArchiveFile(file);
    try {
      return new TarIndex(file, await readMembers(handle, file));
    } finally {
      await handle.close();
    }
  }

  /** Every member, in archive order. */
  members(): readonly TarMember[] {
    return this.#members;
  }

  /** The member at `path` (normalised first), without following links. */
  get(path: string): TarMember | undefined {
    return this.#byPath.get(normalizeEntryPath(path));
  }

  /**
   * The regular file at `path`, following symlinks (relative to the link's directory) and hardlinks
   * inside the archive; undefined when there is none.
   * @throws {OciError} OCI_BAD_ARCHIVE for a link loop
   */
  resolve(path: string): TarMember | undefined {
    let member = this.get(path);
    for (let hop = 0; member && hop < MAX_LINK_HOPS; hop++) {
      if (member.type === "file") return member;
      if (member.type === "symlink") member = this.get(symlinkTarget(member.path, member.linkTarget ?? ""));
      else if (member.type === "hardlink") member = this.get(member.linkTarget ?? "");
      else return undefined;
    }
    if (member) throw badArchive(this.file, `"${path}": too many links (a loop?)`);
    return undefined;
  }

  /** Streams a member's data (or its first `maxBytes`) straight from the file. */
  async *read(member: TarMember, maxBytes = member.size): AsyncIterable<Uint8Array> {
    const length = Math.min(member.size, maxBytes);
    if (length <= 0) return;
    yield* createReadStream(this.file, {
      start: member.offset,
      end: member.offset + length - 1,
      highWaterMark: Math.min(length, 1 << 20),
    });
  }

  /**
   * Reads a small member (a JSON document) whole, following links.
   * @throws {OciError} OCI_BAD_ARCHIVE when it is missing or larger than `maxBytes`
   */
  async readSmall(path: string, maxBytes: number): Promise<Uint8Array> {
    const member = this.resolve(path);
    if (!member) throw badArchive(this.file, `no "${path}" in the archive`);
    if (member.size > maxBytes) {
      throw badArchive(this.file, `"${path}" has ${member.size} bytes; at most ${maxBytes} expected`);
    }
    const parts: Uint8Array[] = [];
    for await (const chunk of this.read(member)) parts.push(chunk);
    return Buffer.concat(parts);
  }
}

/** Where a symlink inside an archive points: relative to its directory, or to the archive's root. */
export function symlinkTarget(path: string, target: string): string {
  return target.startsWith("/") ? normalizeEntryPath(target) : joinEntryPath(parentPath(path), target);
}

/** Why a first block that is not a tar header might be: a compressed archive. */
function notATar(file: string, head: Uint8Array, cause: unknown): OciError {
  const encoding = sniffLayerEncoding(head);
  if (encoding !== "none") {
    return badArchive(
      file,
      `the archive is ${encoding}-compressed; archives are read in place and must be uncompressed tars (decompress it first)`,
      cause,
    );
  }
  return badArchive(file, `not a tar archive (${(cause as Error).message})`, cause);
}

async function readMembers(handle: FileHandle, file: string): Promise<TarMember[]> {
  const fileSize = (await handle.stat()).size;
  const members: TarMember[] = [];
  let globals: Record<string, string> = {};
  let pending: { pax: Record<string, string>; longName?: string; longLink?: string } = { pax: {} };
  let position = 0;
  while (position < fileSize) {
    const where = `${file}: header at byte ${position}`;
    const block = await readAt(handle, position, BLOCK_SIZE);
    if (block.length < BLOCK_SIZE) {
      const detail = `the archive ends inside the header at byte ${position}`;
      throw position === 0 ? notATar(file, block, new Error(detail)) : badArchive(file, detail);
    }
    if (isZeroBlock(block)) break;
    let raw: ReturnType<typeof decodeTarHeader>;
    try {
      raw = decodeTarHeader(block, where);
    } catch (error) {
      if (position === 0) throw notATar(file, block, error);
      throw new OciError("OCI_BAD_ARCHIVE", (error as Error).message, { cause: error });
    }
    const isExtension = ["x", "g", "L", "K"].includes(raw.typeflag);
    if (isExtension) {
      if (raw.size > MAX_EXTENSION_SIZE)
        throw badArchive(
          file,
          `extended header of ${raw.size} bytes at byte ${position} exceeds ${MAX_EXTENSION_SIZE}`,
        );
      const body = await readAt(handle, position + BLOCK_SIZE, raw.size);
      if (body.length < raw.size)
        throw badArchive(file, `the archive ends inside the extended header at byte ${position}`);
      if (raw.typeflag === "L" || raw.typeflag === "K") {
        const nul = body.indexOf(0);
        const name = Buffer.from(nul < 0 ? body : body.subarray(0, nul)).toString("utf8");
        if (raw.typeflag === "L") pending.longName = name;
        else pending.longLink = name;
      } else {
        const records = parseRecords(body, where);
        if (raw.typeflag === "x") pending.pax = { ...pending.pax, ...records };
        else globals = mergeGlobals(globals, records);
      }
      position += BLOCK_SIZE + padded(raw.size);
      continue;
    }
    const extensions: TarExtensions = { ...pending, pax: { ...globals, ...pending.pax } };
    pending = { pax: {} };
    let resolved: ReturnType<typeof resolveTarHeader>;
    try {
      resolved = resolveTarHeader(raw, extensions, where);
    } catch (error) {
      throw new OciError("OCI_BAD_ARCHIVE", (error as Error).message, { cause: error });
    }
    const { header, bodySize } = resolved;
    const offset = position + BLOCK_SIZE;
    if (offset + bodySize > fileSize) {
      throw badArchive(
        file,
        `"${header.path}" needs ${bodySize} bytes but the archive ends first; it is truncated`,
      );
    }
    members.push({
      path: header.path,
      type: header.type,
      offset,
      size: bodySize,
      ...(header.linkTarget === undefined ? {} : { linkTarget: header.linkTarget }),
    });
    position = offset + padded(bodySize);
  }
  return members;
}

function parseRecords(body: Uint8Array, where: string): Record<string, string> {
  try {
    return parsePaxRecords(body, where);
  } catch (error) {
    throw new OciError("OCI_BAD_ARCHIVE", (error as Error).message, { cause: error });
  }
}
