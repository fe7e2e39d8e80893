/**
 * The directory hierarchies an image records, planned from the tree: the primary (ISO 9660 + Rock
 * Ridge) one and the Joliet one, each as a list of directories in path table order (ECMA-119 §6.9.1:
 * by level, then by parent, then by identifier), every directory's children named and sorted.
 *
 * ECMA-119 §6.8.2.1 allows eight levels (the root is level 1). With Rock Ridge, a directory that
 * would be at level 9 is relocated as RRIP §4.1.5 describes and mkisofs does: it moves to a directory
 * `RR_MOVED` in the root (Rock Ridge name `.rr_moved`), its record there carries RE (readers hide
 * it), its place in the real parent gets a file record with CL pointing at it, and its `..` record
 * carries PL pointing at the real parent. Readers that follow Rock Ridge (Linux, xorriso) show the
 * real tree, plus an empty `.rr_moved` in the root. Without Rock Ridge, a tree deeper than eight
 * levels is refused (ISO_BAD_TREE). The Joliet tree is never relocated: Linux and Windows read deeper
 * Joliet trees, and readers that use Joliet see the real hierarchy.
 */
import { IsoError } from "./errors.js";
import { compareCodeUnits, compareIsoIdentifiers, isoIdentifiers } from "./iso-identifier.js";
import type { TreeNode } from "./iso-tree.js";
import { jolietIdentifiers } from "./joliet-identifier.js";

/** ECMA-119 §6.8.2.1. */
export const MAX_DIRECTORY_LEVEL = 8;
export const RR_MOVED_IDENTIFIER = "RR_MOVED";
const RR_MOVED_NAME = ".rr_moved";

/** A directory as one hierarchy records it. */
export interface PlannedDirectory {
  /** The tree's directory; undefined for RR_MOVED. */
  readonly node: TreeNode | undefined;
  /** The real name (Rock Ridge NM); "" for the root. */
  readonly name: string;
  /** The path in the real tree, or `.rr_moved`. */
  readonly path: string;
  /** The parent in this hierarchy (the root is its own). */
  parent: PlannedDirectory;
  /** For a relocated directory, its parent in the real tree. */
  realParent?: PlannedDirectory;
  readonly children: PlannedChild[];
  /** 1-based position in the path table. */
  number: number;
  level: number;
}

/** One record of a directory besides "." and "..". */
export type PlannedChild =
  /** A subdirectory in this hierarchy (a relocated one, in RR_MOVED, is `moved: true` and gets RE). */
  | {
      readonly kind: "dir";
      readonly identifier: string;
      readonly directory: PlannedDirectory;
      readonly moved: boolean;
    }
  /** The place of a relocated directory in its real parent: a file record with CL. */
  | { readonly kind: "relocated"; readonly identifier: string; readonly directory: PlannedDirectory }
  /** A file, symlink, device or fifo. */
  | { readonly kind: "leaf"; readonly identifier: string; readonly node: TreeNode };

/** The primary hierarchy, relocating directories below level 8 when `rockRidge`. @throws ISO_BAD_TREE */
export function planPrimaryDirectories(
  root: TreeNode,
  options: { readonly rockRidge: boolean },
): PlannedDirectory[] {
  const relocated = new Set<TreeNode>();
  const findRelocations = (node: TreeNode, level: number): void => {
    for (const child of node.children!.values()) {
      if (child.type !== "dir") continue;
      if (level + 1 <= MAX_DIRECTORY_LEVEL) findRelocations(child, level + 1);
      else if (!options.rockRidge) {
        throw new IsoError(
          "ISO_BAD_TREE",
          `${child.path}: directory at level ${level + 1}; ISO 9660 allows ${MAX_DIRECTORY_LEVEL} levels, deeper trees need Rock Ridge (rockRidge: true) to relocate them`,
        );
      } else {
        relocated.add(child);
        findRelocations(child, 3); // in RR_MOVED (level 2)
      }
    }
  };
  findRelocations(root, 1);

  const planned = new Map<TreeNode, PlannedDirectory>();
  const rootDir = newDirectory(root, "", ".");
  rootDir.parent = rootDir;
  planned.set(root, rootDir);
  const moved =
    relocated.size > 0 ? newDirectory(undefined, rrMovedName(root), rrMovedName(root)) : undefined;

  const fill = (node: TreeNode, dir: PlannedDirectory): void => {
    const kids = [...node.children!.values()];
    const ids = isoIdentifiers(
      kids.map((k) => ({ name: k.name, isDirectory: k.type === "dir" })),
      node === root && moved !== undefined ? [RR_MOVED_IDENTIFIER] : [],
    );
    kids.forEach((kid, i) => {
      const identifier = ids[i]!;
      if (kid.type !== "dir") {
        dir.children.push({ kind: "leaf", identifier, node: kid });
        return;
      }
      const sub = newDirectory(kid, kid.name, kid.path);
      planned.set(kid, sub);
      if (relocated.has(kid)) {
        sub.parent = moved!;
        sub.realParent = dir;
        dir.children.push({ kind: "relocated", identifier, directory: sub });
      } else {
        sub.parent = dir;
        dir.children.push({ kind: "dir", identifier, directory: sub, moved: false });
      }
      fill(kid, sub);
    });
  };
  fill(root, rootDir);

  if (moved !== undefined) {
    moved.parent = rootDir;
    rootDir.children.push({ kind: "dir", identifier: RR_MOVED_IDENTIFIER, directory: moved, moved: false });
    const subs = [...relocated].map((node) => planned.get(node)!);
    const ids = isoIdentifiers(subs.map((d) => ({ name: d.name, isDirectory: true })));
    subs.forEach((directory, i) => {
      moved.children.push({ kind: "dir", identifier: ids[i]!, directory, moved: true });
    });
  }
  return inPathTableOrder(rootDir, compareIsoIdentifiers);
}

/** The Joliet hierarchy: the real tree with Joliet names. */
export function planJolietDirectories(root: TreeNode): PlannedDirectory[] {
  const rootDir = newDirectory(root, "", ".");
  rootDir.parent = rootDir;
  const fill = (node: TreeNode, dir: PlannedDirectory): void => {
    const kids = [...node.children!.values()];
    const ids = jolietIdentifiers(kids.map((k) => k.name));
    kids.forEach((kid, i) => {
      if (kid.type !== "dir") {
        dir.children.push({ kind: "leaf", identifier: ids[i]!, node: kid });
        return;
      }
      const sub = newDirectory(kid, kid.name, kid.path);
      sub.parent = dir;
      dir.children.push({ kind: "dir", identifier: ids[i]!, directory: sub, moved: false });
      fill(kid, sub);
    });
  };
  fill(root, rootDir);
  return inPathTableOrder(rootDir, compareCodeUnits);
}

/** Sorts every directory's children and lists the directories breadth-first, numbering them. */
function inPathTableOrder(
  root: PlannedDirectory,
  compare: (a: string, b: string) => number,
): PlannedDirectory[] {
  const order: PlannedDirectory[] = [];
  const queue = [root];
  root.level = 1;
  for (let i = 0; i < queue.length; i++) {
    const dir = queue[i]!;
    dir.number = i + 1;
    order.push(dir);
    dir.children.sort((a, b) => compare(a.identifier, b.identifier));
    for (const child of dir.children) {
      if (child.kind !== "dir") continue;
      child.directory.level = dir.level + 1;
      queue.push(child.directory);
    }
  }
  return order;
}

function newDirectory(node: TreeNode | undefined, name: string, path: string): PlannedDirectory {
  const dir = { node, name, path, children: [], number: 0, level: 0 } as unknown as PlannedDirectory;
  return dir;
}

/** `.rr_moved`, or `.rr_moved~N` when the root already has an entry of that name. */
function rrMovedName(root: TreeNode): string {
  let name = RR_MOVED_NAME;
  for (let n = 1; root.children!.has(name); n++) name = `${RR_MOVED_NAME}~${n}`;
  return name;
}
