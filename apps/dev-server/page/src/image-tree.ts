/**
 * The initrd as a tree, for the explorer, from the image summary's entries (in initrd order): a later
 * entry of the same path replaces the earlier one, as when the kernel unpacks the initramfs; parents
 * that no entry names are implied directories. Each directory knows the total size and count of the
 * regular files below it. Also the sizes per image ("what each image adds"). Pure (no DOM), tested in
 * test/page-image-tree.test.ts.
 */
import type { ImageEntry, ImageSection } from "../../src/protocol.js";

/** A node of the tree: a directory (with children) or any other entry. */
export interface TreeNode {
  readonly name: string;
  /** Relative, "/"-separated; "" for the root. */
  readonly path: string;
  /** The entry that made it; undefined for the root and for implied directories. */
  readonly entry?: ImageEntry;
  readonly isDir: boolean;
  /** Directories only: sorted, directories first, then by name. */
  readonly children: readonly TreeNode[];
  /** Regular files' bytes: its own size for a file, the sum below it for a directory. */
  readonly totalBytes: number;
  /** Regular files at or below it. */
  readonly fileCount: number;
}

interface MutableNode {
  name: string;
  path: string;
  entry?: ImageEntry;
  children?: Map<string, MutableNode>;
}

/** The tree of `entries` (in initrd order). */
export function buildImageTree(entries: readonly ImageEntry[]): TreeNode {
  const root: MutableNode = { name: "", path: "", children: new Map() };
  for (const entry of entries) {
    const parts = normalizePath(entry.path);
    if (parts.length === 0) {
      if (entry.type === "dir") root.entry = entry;
      continue;
    }
    let dir = root;
    for (const part of parts.slice(0, -1)) dir = childDir(dir, part);
    const name = parts[parts.length - 1]!;
    const existing = dir.children!.get(name);
    const path = parts.join("/");
    if (entry.type === "dir") {
      // A directory replacing a directory keeps what is below it; replacing anything else starts empty.
      const children = existing?.children ?? new Map<string, MutableNode>();
      dir.children!.set(name, { name, path, entry, children });
    } else {
      dir.children!.set(name, { name, path, entry });
    }
  }
  return freeze(root);
}

/** Path components of an entry path: "." and "" are the root; "./a/b/" and "/a/b" are ["a", "b"]. */
function normalizePath(path: string): string[] {
  return path.split("/").filter((p) => p !== "" && p !== ".");
}

function childDir(dir: MutableNode, name: string): MutableNode {
  const existing = dir.children!.get(name);
  if (existing?.children !== undefined) return existing;
  // A path below a non-directory: the unpacker would fail; the tree shows an implied directory.
  const path = dir.path === "" ? name : `${dir.path}/${name}`;
  const created: MutableNode = { name, path, children: new Map() };
  dir.children!.set(name, created);
  return created;
}

function freeze(node: MutableNode): TreeNode {
  if (node.children === undefined) {
    const isFile = node.entry?.type === "file";
    return {
      name: node.name,
      path: node.path,
      ...(node.entry === undefined ? {} : { entry: node.entry }),
      isDir: false,
      children: [],
      totalBytes: isFile ? node.entry!.size : 0,
      fileCount: isFile ? 1 : 0,
    };
  }
  const children = [...node.children.values()].map(freeze);
  children.sort((a, b) => (a.isDir === b.isDir ? compareNames(a.name, b.name) : a.isDir ? -1 : 1));
  let totalBytes = 0;
  let fileCount = 0;
  for (const child of children) {
    totalBytes += child.totalBytes;
    fileCount += child.fileCount;
  }
  return {
    name: node.name,
    path: node.path,
    ...(node.entry === undefined ? {} : { entry: node.entry }),
    isDir: true,
    children,
    totalBytes,
    fileCount,
  };
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The nodes whose path contains `query` (case-insensitive), in tree order, at most `limit`. */
export function findNodes(root: TreeNode, query: string, limit: number): TreeNode[] {
  const needle = query.toLowerCase();
  const found: TreeNode[] = [];
  const walk = (node: TreeNode): void => {
    for (const child of node.children) {
      if (found.length >= limit) return;
      if (child.path.toLowerCase().includes(needle)) found.push(child);
      walk(child);
    }
  };
  walk(root);
  return found;
}

/** What one image (one `source`) adds to the initrd, over its sections. */
export interface SourceSize {
  readonly source: string;
  /** Its sections' names, in index order. */
  readonly sections: readonly string[];
  readonly memberBytes: number;
  readonly contentBytes: number;
  readonly entries: number;
  /** Whether every one of its sections came from the section cache. */
  readonly cached: boolean;
}

/** The sections grouped by `source`, in order of each source's first section. */
export function sizesBySource(sections: readonly ImageSection[]): SourceSize[] {
  const bySource = new Map<string, SourceSize>();
  for (const s of [...sections].sort((a, b) => a.index - b.index)) {
    const seen = bySource.get(s.source);
    bySource.set(s.source, {
      source: s.source,
      sections: [...(seen?.sections ?? []), s.name],
      memberBytes: (seen?.memberBytes ?? 0) + s.memberBytes,
      contentBytes: (seen?.contentBytes ?? 0) + s.contentBytes,
      entries: (seen?.entries ?? 0) + s.entries,
      cached: (seen?.cached ?? true) && s.cached,
    });
  }
  return [...bySource.values()];
}
