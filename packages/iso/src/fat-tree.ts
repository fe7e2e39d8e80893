/**
 * The directory tree a FAT image will hold, built from entry headers and checked against what FAT
 * can store: regular files up to 4 GiB - 1 and directories only (no symlinks, hard links or
 * devices); long names of 1–255 UTF-16 code units without the characters VFAT forbids and without a
 * trailing dot or space (Linux and Windows strip those, so the name would not read back); no two
 * names in a directory equal ignoring case. Parents missing from the headers are added. Children are
 * sorted by name (UTF-16 code units) so the image does not depend on the order of directories in the
 * stream; files keep the stream order, which is the order their data is written in.
 */
import type { FsHeader } from "@ocikit/fs";
import { IsoError } from "./errors.js";
import { FAT_LONG_NAME_MAX_LENGTH } from "./fat-long-name.js";
import { assignShortNames, type FatShortName } from "./fat-short-name.js";

/** FAT's largest file: DIR_FileSize is 32 bits. */
export const FAT_MAX_FILE_BYTES = 0xffff_ffff;

/** A regular file of the tree. */
export interface FatTreeFile {
  readonly type: "file";
  readonly path: string;
  readonly size: number;
}

/** A directory of the tree with its children, sorted, each with the short name it gets. */
export interface FatTreeDirectory {
  readonly type: "dir";
  readonly path: string;
  readonly children: readonly FatTreeChild[];
}

/** One name in a directory. */
export interface FatTreeChild extends FatShortName {
  readonly name: string;
  readonly node: FatTreeFile | FatTreeDirectory;
}

/** The checked tree. */
export interface FatTree {
  readonly root: FatTreeDirectory;
  /** Every directory, root first, breadth first (the order their clusters are allocated in). */
  readonly directories: readonly FatTreeDirectory[];
  /** Every regular file, in the order of the headers (the order the writer receives their data). */
  readonly files: readonly FatTreeFile[];
}

// Characters VFAT does not allow in a long name, besides the controls U+0000–U+001F.
const FORBIDDEN = /["*/:<>?\\|]/;

/**
 * The tree of `headers` (normalised paths, "." the root).
 * @throws {IsoError} ISO_BAD_TREE for an entry FAT cannot hold (symlink, device, bad name, a name
 *   used twice, a file where a directory must be); ISO_FILE_TOO_LARGE for a file over 4 GiB - 1
 */
export function buildFatTree(headers: readonly FsHeader[]): FatTree {
  interface MutableDirectory {
    path: string;
    children: Map<string, { name: string; node: FatTreeFile | MutableDirectory }>;
    keys: Map<string, string>; // upper-case name → name, to find names equal ignoring case
  }
  const newDirectory = (path: string): MutableDirectory => ({ path, children: new Map(), keys: new Map() });
  const root = newDirectory(".");
  const files: FatTreeFile[] = [];

  const directoryAt = (path: string, wanted: string): MutableDirectory => {
    if (path === ".") return root;
    const slash = path.lastIndexOf("/");
    const parent = directoryAt(slash < 0 ? "." : path.slice(0, slash), wanted);
    const name = path.slice(slash + 1);
    const existing = parent.children.get(name);
    if (existing === undefined) return add(parent, name, newDirectory(path));
    if ("children" in existing.node) return existing.node;
    throw new IsoError(
      "ISO_BAD_TREE",
      `${wanted}: ${path} is a file, so it cannot contain anything; FAT needs a directory there`,
    );
  };
  function add<T extends FatTreeFile | MutableDirectory>(parent: MutableDirectory, name: string, node: T): T {
    const path = node.path;
    checkName(path, name);
    const key = upperCase(name);
    const clash = parent.keys.get(key);
    if (clash !== undefined)
      throw new IsoError(
        "ISO_BAD_TREE",
        `${path}: FAT names ignore case and ${JSON.stringify(clash)} is in the same directory; rename one of them`,
      );
    parent.keys.set(key, name);
    parent.children.set(name, { name, node });
    return node;
  }

  for (const header of headers) {
    const { path, type } = header;
    if (type === "dir") {
      directoryAt(path, path);
      continue;
    }
    if (type !== "file")
      throw new IsoError(
        "ISO_BAD_TREE",
        `${path}: FAT cannot hold a ${type}, only regular files and directories; leave it out of the EFI system partition`,
      );
    if (path === ".") throw new IsoError("ISO_BAD_TREE", ". : the root of a FAT volume must be a directory");
    if (!Number.isSafeInteger(header.size) || header.size < 0)
      throw new IsoError("ISO_BAD_TREE", `${path}: size ${header.size} is not a byte count`);
    if (header.size > FAT_MAX_FILE_BYTES)
      throw new IsoError(
        "ISO_FILE_TOO_LARGE",
        `${path}: ${header.size} bytes is more than FAT's largest file (4 GiB - 1 = ${FAT_MAX_FILE_BYTES} bytes)`,
      );
    const slash = path.lastIndexOf("/");
    const parent = directoryAt(slash < 0 ? "." : path.slice(0, slash), path);
    const name = path.slice(slash + 1);
    const existing = parent.children.get(name);
    if (existing !== undefined)
      throw new IsoError(
        "ISO_BAD_TREE",
        `${path}: the path appears twice (${"children" in existing.node ? "as a directory and as a file" : "as two files"}); give each entry one path`,
      );
    files.push(add(parent, name, { type: "file", path, size: header.size }));
  }

  // Freeze breadth first, so that `directories` lists the root, then its subdirectories, and so on.
  type Directory = { type: "dir"; path: string; children: FatTreeChild[] };
  const directories: FatTreeDirectory[] = [];
  const rootOut: Directory = { type: "dir", path: ".", children: [] };
  const queue: [MutableDirectory, Directory][] = [[root, rootOut]];
  directories.push(rootOut);
  while (queue.length > 0) {
    const [from, to] = queue.shift()!;
    const sorted = [...from.children.values()].sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    const shortNames = assignShortNames(
      sorted.map((c) => c.name),
      from.path,
    );
    sorted.forEach((child, i) => {
      let node: FatTreeFile | FatTreeDirectory;
      if ("children" in child.node) {
        const directory: Directory = { type: "dir", path: child.node.path, children: [] };
        directories.push(directory);
        queue.push([child.node, directory]);
        node = directory;
      } else node = child.node;
      to.children.push({ name: child.name, node, ...shortNames[i]! });
    });
  }
  return { root: rootOut, directories, files };
}

/** Upper case one character at a time, as FAT compares names (mappings that change length are skipped). */
function upperCase(name: string): string {
  let out = "";
  for (const char of name) {
    const upper = char.toUpperCase();
    out += upper.length === char.length ? upper : char;
  }
  return out;
}

function checkName(path: string, name: string): void {
  const problem =
    name.length > FAT_LONG_NAME_MAX_LENGTH
      ? `its name has ${name.length} UTF-16 code units, more than FAT's ${FAT_LONG_NAME_MAX_LENGTH}`
      : forbiddenChar(name) !== undefined
        ? `its name contains ${JSON.stringify(forbiddenChar(name))}, which FAT names cannot`
        : /[. ]$/.test(name)
          ? "its name ends with a dot or a space, which FAT drivers strip"
          : undefined;
  if (problem !== undefined) throw new IsoError("ISO_BAD_TREE", `${path}: ${problem}; rename it`);
}

function forbiddenChar(name: string): string | undefined {
  for (const char of name) if (char < " " || FORBIDDEN.test(char)) return char;
  return undefined;
}
