/**
 * The tree an ISO image records, built from the entry headers alone (the first of planIso's steps):
 * every path placed under its parent, parents that have no entry of their own made as directories
 * (mode 0755, owner 0:0, the recording time), later entries for a path replacing earlier ones (as
 * extracting a tar does; a directory's attributes are updated and its children kept), hard links
 * resolved, the boot catalog added.
 *
 * Hard links become what the link's target is: another name for the same file extent (one copy of
 * the data, Rock Ridge PX nlink = number of names), or a copy of a symlink's, device's or fifo's
 * record. All names of one object show the target's attributes, as one inode would.
 *
 * Refused (ISO_BAD_TREE): an entry below a non-directory, a directory with children replaced by a
 * non-directory, a root that is not a directory, a hard link to a directory or to a path that does
 * not exist, a name of more than 253 bytes (what Linux reads back), a link target of more than 4095 bytes, attributes out of
 * range. ISO_FILE_TOO_LARGE: a file of 4 GiB or more (one extent; no multi-extent files).
 */
import { baseName, type FsEntryType, type FsHeader, normalizeEntryPath, parentPath } from "@ocikit/fs";
import { IsoError } from "./errors.js";

/** The largest file one extent holds (ECMA-119's data length is 32 bits). */
export const ISO_FILE_MAX_BYTES = 0xffff_ffff;
// Linux's fs/isofs/rock.c stops adding NM pieces once a name would reach 254 bytes, so longer names
// (which need two NM entries) would show truncated when the image is mounted: refused instead.
const NAME_MAX_BYTES = 253;
const LINK_TARGET_MAX_BYTES = 4095;

/** A file's data: written once, from one entry of the stream, shared by every name of the file. */
export interface FileData {
  /** The index of the header whose body is the data; -1 for the boot catalog. */
  readonly slot: number;
  readonly size: number;
  /** How many names share it (Rock Ridge nlink). */
  names: number;
}

/** One node of the tree. */
export interface TreeNode {
  readonly name: string;
  readonly path: string;
  type: Exclude<FsEntryType, "hardlink">;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  linkTarget?: string;
  devMajor?: number;
  devMinor?: number;
  /** Files: their data. */
  data?: FileData;
  /** Directories: children by name. */
  readonly children?: Map<string, TreeNode>;
  /** A hard link still to be resolved (its target path). */
  hardlinkTo?: string;
}

/** The tree and, for each header, whether its body is the data of a file that stays in the tree. */
export interface IsoTree {
  readonly root: TreeNode;
  /** Per header index: the data its body supplies, if any. */
  readonly slotData: readonly (FileData | undefined)[];
}

/** Builds the tree (see the module comment). @throws ISO_BAD_TREE, ISO_FILE_TOO_LARGE, ISO_BOOT_FILE */
export function buildIsoTree(
  headers: readonly FsHeader[],
  options: { readonly recordedAtSeconds: number; readonly catalogPath?: string },
): IsoTree {
  const implicit = (name: string, path: string): TreeNode => ({
    name,
    path,
    type: "dir",
    mode: 0o755,
    uid: 0,
    gid: 0,
    mtime: options.recordedAtSeconds,
    children: new Map(),
  });
  const root = implicit("", ".");
  const slotData: (FileData | undefined)[] = new Array(headers.length).fill(undefined);
  const byPath = new Map<string, TreeNode>([[".", root]]);

  const directoryAt = (path: string, at: string): TreeNode => {
    const existing = byPath.get(path);
    if (existing !== undefined) {
      if (existing.type !== "dir")
        throw badTree(at, `its parent ${path} is a ${existing.type}, not a directory`);
      return existing;
    }
    const parent = directoryAt(parentPath(path), at);
    const node = implicit(checkedName(baseName(path), at), path);
    parent.children!.set(node.name, node);
    byPath.set(path, node);
    return node;
  };

  headers.forEach((header, index) => {
    const path = normalizeEntryPath(header.path);
    checkAttributes(header, path);
    if (path === ".") {
      if (header.type !== "dir") throw badTree(".", `the root is a ${header.type}; expected a directory`);
      Object.assign(root, attributesOf(header));
      return;
    }
    const parent = directoryAt(parentPath(path), path);
    const name = checkedName(baseName(path), path);
    const existing = parent.children!.get(name);
    if (existing?.type === "dir" && header.type === "dir") {
      Object.assign(existing, attributesOf(header));
      return;
    }
    if (existing?.type === "dir" && existing.children!.size > 0) {
      throw badTree(path, `a ${header.type} replaces a directory that has entries; expected a directory`);
    }
    const node = nodeOf(header, name, path, index);
    if (node.data !== undefined) slotData[index] = node.data;
    const replaced = existing?.data;
    if (replaced !== undefined && replaced.slot >= 0) slotData[replaced.slot] = undefined;
    parent.children!.set(name, node);
    byPath.set(path, node);
  });

  for (const node of byPath.values()) if (node.hardlinkTo !== undefined) resolveHardlink(node, byPath);
  if (options.catalogPath !== undefined)
    addCatalog(options.catalogPath, options.recordedAtSeconds, byPath, directoryAt);
  // Data that lost all its names (a file replaced after a hard link to it was resolved) is not written.
  return { root, slotData: slotData.map((d) => (d !== undefined && d.names > 0 ? d : undefined)) };
}

function nodeOf(header: FsHeader, name: string, path: string, index: number): TreeNode {
  const base = { name, path, ...attributesOf(header) };
  switch (header.type) {
    case "dir":
      return { ...base, type: "dir", children: new Map() };
    case "file":
      if (header.size > ISO_FILE_MAX_BYTES) {
        throw new IsoError(
          "ISO_FILE_TOO_LARGE",
          `${path}: ${header.size} bytes do not fit one ISO 9660 extent; files are limited to 4 GiB - 1 (${ISO_FILE_MAX_BYTES} bytes)`,
        );
      }
      return { ...base, type: "file", data: { slot: index, size: header.size, names: 1 } };
    case "symlink":
      return { ...base, type: "symlink", linkTarget: checkedTarget(header, path) };
    case "hardlink":
      return { ...base, type: "file", hardlinkTo: normalizeEntryPath(checkedTarget(header, path)) };
    case "char":
    case "block":
      return { ...base, type: header.type, devMajor: header.devMajor ?? 0, devMinor: header.devMinor ?? 0 };
    case "fifo":
      return { ...base, type: "fifo" };
  }
}

function resolveHardlink(node: TreeNode, byPath: ReadonlyMap<string, TreeNode>): void {
  const seen = new Set<string>([node.path]);
  let target = byPath.get(node.hardlinkTo!);
  while (target?.hardlinkTo !== undefined && !seen.has(target.path)) {
    seen.add(target.path);
    target = byPath.get(target.hardlinkTo);
  }
  if (target === undefined || target.hardlinkTo !== undefined) {
    throw badTree(
      node.path,
      `hard link to ${node.hardlinkTo}, which is not in the tree (or links back); expected an earlier file`,
    );
  }
  if (target.type === "dir")
    throw badTree(node.path, `hard link to the directory ${target.path}; directories cannot be linked`);
  node.hardlinkTo = undefined;
  Object.assign(node, {
    type: target.type,
    mode: target.mode,
    uid: target.uid,
    gid: target.gid,
    mtime: target.mtime,
    linkTarget: target.linkTarget,
    devMajor: target.devMajor,
    devMinor: target.devMinor,
    data: target.data,
  });
  if (target.data !== undefined) target.data.names++;
}

function addCatalog(
  catalogPath: string,
  recordedAtSeconds: number,
  byPath: Map<string, TreeNode>,
  directoryAt: (path: string, at: string) => TreeNode,
): void {
  const path = normalizeEntryPath(catalogPath);
  if (path === "." || byPath.has(path)) {
    throw new IsoError(
      "ISO_BOOT_FILE",
      `${path}: the boot catalog's path is already in the tree; choose a path no entry uses (e.g. isolinux/boot.cat)`,
    );
  }
  const parent = directoryAt(parentPath(path), path);
  const name = checkedName(baseName(path), path);
  const node: TreeNode = {
    name,
    path,
    type: "file",
    mode: 0o444,
    uid: 0,
    gid: 0,
    mtime: recordedAtSeconds,
    data: { slot: -1, size: 2048, names: 1 },
  };
  parent.children!.set(name, node);
  byPath.set(path, node);
}

function attributesOf(header: FsHeader): Pick<TreeNode, "mode" | "uid" | "gid" | "mtime"> {
  return { mode: header.mode, uid: header.uid, gid: header.gid, mtime: Math.floor(header.mtime) };
}

function checkAttributes(header: FsHeader, path: string): void {
  const u32 = (n: number) => Number.isInteger(n) && n >= 0 && n <= 0xffff_ffff;
  if (!Number.isInteger(header.mode) || header.mode < 0 || header.mode > 0o7777) {
    throw badTree(path, `mode ${header.mode} is not permission bits; expected 0 to 0o7777`);
  }
  if (!u32(header.uid) || !u32(header.gid))
    throw badTree(path, `owner ${header.uid}:${header.gid} is out of range; expected 32-bit numbers`);
  if (!Number.isFinite(header.mtime)) throw badTree(path, `mtime ${header.mtime} is not a time`);
  if (!Number.isInteger(header.size) || header.size < 0)
    throw badTree(path, `size ${header.size} is not a byte count`);
  if (
    (header.type === "char" || header.type === "block") &&
    (!u32(header.devMajor ?? 0) || !u32(header.devMinor ?? 0))
  ) {
    throw badTree(
      path,
      `device ${header.devMajor},${header.devMinor} is out of range; expected 32-bit numbers`,
    );
  }
}

function checkedName(name: string, path: string): string {
  if (new TextEncoder().encode(name).length > NAME_MAX_BYTES || name.includes("\0")) {
    throw badTree(
      path,
      `the name ${JSON.stringify(name.slice(0, 40))}… is longer than ${NAME_MAX_BYTES} bytes or has a NUL; Linux reads Rock Ridge names of at most ${NAME_MAX_BYTES} bytes`,
    );
  }
  return name;
}

function checkedTarget(header: FsHeader, path: string): string {
  const target = header.linkTarget;
  if (target === undefined || target === "" || target.includes("\0")) {
    throw badTree(
      path,
      `${header.type} without a valid target (${JSON.stringify(target)}); expected a non-empty target without NUL`,
    );
  }
  if (new TextEncoder().encode(target).length > LINK_TARGET_MAX_BYTES) {
    throw badTree(
      path,
      `link target longer than ${LINK_TARGET_MAX_BYTES} bytes; Linux reads Rock Ridge link targets of up to ${LINK_TARGET_MAX_BYTES} bytes`,
    );
  }
  return target;
}

function badTree(path: string, detail: string): IsoError {
  return new IsoError("ISO_BAD_TREE", `${path}: ${detail}`);
}
