/**
 * Walking an ISO 9660 tree from its root directory into `FsEntry`s: the root as `.`, then each
 * directory before what it holds, children in code unit order of their names, file bodies read
 * lazily from their extents. With Rock Ridge (RRIP 1.10) the entries have their real names, types,
 * modes, owners, times, link targets and device numbers, and relocated directories (RRIP §4.1.5)
 * are where CL puts them: the RE record in the relocation directory is skipped, and that directory
 * (`rr_moved`, `.rr_moved`), once nothing but RE records is in it, is left out — Linux and xorriso
 * still show it empty. Without Rock Ridge, directories are 0555 and files 0444, 0:0, at their
 * record's date, named by their identifiers without `;1`.
 *
 * The walk is bounded: a directory extent is read at most once (a second way to it, a cycle through
 * CL or a directory record, is ISO_BAD_IMAGE), CE chains are bounded (system-use-area.ts), and it
 * keeps an explicit stack rather than recursing.
 *
 * Left out: hard links (RRIP 1.10 has no file serial numbers; names sharing an extent are files with
 * the same bytes, as xorriso extracts them), sockets (no `FsEntryType`; left out as a tar would),
 * sparse (SF) and zisofs (ZF) files (their stored bytes are read as they are).
 */
import { emptyBody, type FsEntry, joinEntryPath } from "@ocikit/fs";
import { IsoError } from "./errors.js";
import {
  type DirectoryReadOptions,
  type Extent,
  type ReadDirectory,
  type ReadRecord,
  readDirectory,
} from "./iso-directory-reader.js";
import { type IsoSource, readImageBytes } from "./iso-source.js";
import { SECTOR_SIZE } from "./volume-descriptor.js";

/** An entry of the tree and, for a file with data, the LBA its data starts at. */
export interface IsoTreeItem {
  readonly entry: FsEntry;
  readonly dataLba?: number;
}

export interface TreeWalkOptions extends DirectoryReadOptions {
  /** The root directory's extent (the primary volume descriptor's root record). */
  readonly root: Extent;
  /** Bodies are read this many bytes at a time. */
  readonly chunkBytes: number;
  readonly signal?: AbortSignal;
}

interface Frame {
  readonly path: string;
  readonly lba: number;
  readonly children: readonly ReadRecord[];
  next: number;
}

/**
 * Every entry of the tree (see the module comment).
 * @throws {IsoError} ISO_BAD_IMAGE for a truncated or malformed image, naming the LBA
 */
export async function* walkIsoTree(source: IsoSource, options: TreeWalkOptions): AsyncIterable<IsoTreeItem> {
  const { signal } = options;
  const readPaths = new Map<number, string>();
  const open = async (lba: number, length: number | undefined, path: string): Promise<ReadDirectory> => {
    const before = readPaths.get(lba);
    if (before !== undefined) {
      throw new IsoError(
        "ISO_BAD_IMAGE",
        `directory ${path} at LBA ${lba}: the same extent is directory ${before}; the tree has a cycle or shares a directory`,
      );
    }
    readPaths.set(lba, path);
    return readDirectory(
      source,
      { lba, path, isRoot: path === ".", ...(length !== undefined ? { length } : {}) },
      options,
    );
  };
  signal?.throwIfAborted();
  const root = await open(options.root.lba, options.root.length, ".");
  yield { entry: directoryEntry(".", root.self) };
  const stack: Frame[] = [{ path: ".", lba: options.root.lba, children: sortedChildren(root), next: 0 }];
  while (stack.length > 0) {
    signal?.throwIfAborted();
    const frame = stack.at(-1)!;
    const child = frame.children[frame.next++];
    if (child === undefined) {
      stack.pop();
      continue;
    }
    const path = joinEntryPath(frame.path, child.name);
    const rr = child.rockRidge;
    if (rr?.relocated) continue; // listed in its real parent, through the CL there
    const relocatedTo = rr?.childLinkLba;
    if (child.isDirectory || relocatedTo !== undefined) {
      const extent = child.extents[0]!;
      const dir =
        relocatedTo !== undefined
          ? await open(relocatedTo, undefined, path)
          : await open(extent.lba, extent.length, path);
      // The relocation directory, once its directories are back in place, holds nothing of its own.
      if (dir.children.length > 0 && dir.children.every((c) => c.rockRidge?.relocated)) continue;
      // A relocated directory's attributes are on its own "." record (Linux's rock.c reads them there).
      yield { entry: directoryEntry(path, relocatedTo !== undefined ? dir.self : child) };
      stack.push({ path, lba: relocatedTo ?? extent.lba, children: sortedChildren(dir), next: 0 });
      continue;
    }
    const item = leafItem(source, path, child, options, `directory ${frame.path} at LBA ${frame.lba}`);
    if (item !== undefined) yield item;
  }
}

function sortedChildren(dir: ReadDirectory): ReadRecord[] {
  return [...dir.children].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function directoryEntry(path: string, record: ReadRecord): FsEntry {
  const rr = record.rockRidge;
  return {
    path,
    type: "dir",
    mode: rr?.mode ?? 0o555,
    uid: rr?.uid ?? 0,
    gid: rr?.gid ?? 0,
    mtime: rr?.mtime ?? record.recordedAtSeconds,
    size: 0,
    body: emptyBody,
  };
}

function leafItem(
  source: IsoSource,
  path: string,
  record: ReadRecord,
  options: TreeWalkOptions,
  where: string,
): IsoTreeItem | undefined {
  const rr = record.rockRidge;
  const type = rr?.mode === undefined ? "file" : rr.type;
  // A socket (or a type PX has no word for): FsEntry cannot carry it, so it is left out, as tar would.
  if (type === undefined) return undefined;
  if (type === "dir") {
    throw new IsoError(
      "ISO_BAD_IMAGE",
      `${where}: ${record.name} is a directory to Rock Ridge, but its record is a file's and has no CL; the image is malformed`,
    );
  }
  const common = {
    path,
    mode: rr?.mode ?? 0o444,
    uid: rr?.uid ?? 0,
    gid: rr?.gid ?? 0,
    mtime: rr?.mtime ?? record.recordedAtSeconds,
  };
  switch (type) {
    case "file": {
      const size = record.extents.reduce((sum, e) => sum + e.length, 0);
      const extents = record.extents.filter((e) => e.length > 0);
      const entry: FsEntry = {
        ...common,
        type,
        size,
        body: () => extentBytes(source, extents, path, options),
      };
      return extents.length > 0 ? { entry, dataLba: extents[0]!.lba } : { entry };
    }
    case "symlink":
      return { entry: { ...common, type, size: 0, linkTarget: rr?.linkTarget ?? "", body: emptyBody } };
    case "char":
    case "block":
      return {
        entry: {
          ...common,
          type,
          size: 0,
          devMajor: rr?.devMajor ?? 0,
          devMinor: rr?.devMinor ?? 0,
          body: emptyBody,
        },
      };
    case "fifo":
      return { entry: { ...common, type, size: 0, body: emptyBody } };
  }
}

async function* extentBytes(
  source: IsoSource,
  extents: readonly Extent[],
  path: string,
  options: TreeWalkOptions,
): AsyncIterable<Uint8Array> {
  for (const { lba, length } of extents) {
    for (let done = 0; done < length; ) {
      options.signal?.throwIfAborted();
      const count = Math.min(options.chunkBytes, length - done);
      yield await readImageBytes(source, lba * SECTOR_SIZE + done, count, `${path}: data at LBA ${lba}`);
      done += count;
    }
  }
}
