/**
 * Plans the entries of a layer described in code (image-spec.ts): normalised paths, defaults
 * settled, whiteouts turned into their marker files (image-spec layer.md: `.wh.NAME`,
 * `.wh..wh..opq`), missing parent directories added, and the archive order fixed. Pure.
 */
import { posix } from "node:path";
import { TestRegistryError } from "./errors.js";
import {
  type FileSpec,
  type FilesLayerSpec,
  type FileType,
  type GeneratedContents,
  IMAGE_DEFAULTS,
} from "./image-spec.js";

/** An entry as it will be written: normalised path (the whiteout marker's name for whiteouts) and settled fields. */
export interface PlannedEntry {
  readonly tarPath: string;
  readonly type: Exclude<FileType, "whiteout" | "opaqueWhiteout">;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly mtime: number;
  readonly contents?: string | Uint8Array | GeneratedContents;
  readonly linkTarget?: string;
  readonly devMajor?: number;
  readonly devMinor?: number;
}

const badSpec = (message: string) => new TestRegistryError("TEST_REGISTRY_BAD_IMAGE_SPEC", message);

/** `path` relative and normalised (`/a//b/` → `a/b`); refuses `..` and the empty path. */
function normalisePath(path: string): string {
  const parts = path.split("/").filter((part) => part !== "" && part !== ".");
  if (parts.length === 0) throw badSpec(`layer entry "${path}": empty path; name a file inside the image`);
  if (parts.includes(".."))
    throw badSpec(`layer entry "${path}": ".." is not allowed; use a path inside the image`);
  return parts.join("/");
}

function planEntry(file: FileSpec, layerMtime: number): PlannedEntry {
  const path = normalisePath(file.path);
  const type = file.type ?? "file";
  const common = { uid: file.uid ?? 0, gid: file.gid ?? 0, mtime: file.mtime ?? layerMtime };
  switch (type) {
    case "whiteout": {
      const dir = posix.dirname(path);
      const tarPath = `${dir === "." ? "" : `${dir}/`}.wh.${posix.basename(path)}`;
      return { ...common, tarPath, type: "file", mode: file.mode ?? 0o644 };
    }
    case "opaqueWhiteout":
      return { ...common, tarPath: `${path}/.wh..wh..opq`, type: "file", mode: file.mode ?? 0o644 };
    case "dir":
      return { ...common, tarPath: path, type, mode: file.mode ?? 0o755 };
    case "symlink":
    case "hardlink":
      if (!file.linkTarget) throw badSpec(`layer entry "${path}": a ${type} needs a linkTarget`);
      return {
        ...common,
        tarPath: path,
        type,
        mode: file.mode ?? 0o777,
        linkTarget: type === "hardlink" ? normalisePath(file.linkTarget) : file.linkTarget,
      };
    case "char":
    case "block":
      return {
        ...common,
        tarPath: path,
        type,
        mode: file.mode ?? 0o600,
        devMajor: file.devMajor ?? 0,
        devMinor: file.devMinor ?? 0,
      };
    default:
      return { ...common, tarPath: path, type, mode: file.mode ?? 0o644, contents: file.contents };
  }
}

/**
 * The layer's entries in archive order: sorted by path (parents before children), each hardlink
 * right after its target or its directory, whichever comes later; missing parent directories added
 * when `parents` is on.
 */
export function planLayerEntries(layer: FilesLayerSpec): PlannedEntry[] {
  const mtime = layer.mtime ?? IMAGE_DEFAULTS.mtime;
  const byPath = new Map<string, PlannedEntry>();
  for (const file of layer.files) {
    const entry = planEntry(file, mtime);
    if (byPath.has(entry.tarPath)) throw badSpec(`layer entry "${entry.tarPath}": listed twice in one layer`);
    byPath.set(entry.tarPath, entry);
  }
  if (layer.parents ?? true) {
    for (const path of [...byPath.keys()]) {
      for (let dir = posix.dirname(path); dir !== "."; dir = posix.dirname(dir)) {
        if (!byPath.has(dir))
          byPath.set(dir, { tarPath: dir, type: "dir", mode: 0o755, uid: 0, gid: 0, mtime });
      }
    }
  }
  for (const [path, entry] of byPath) {
    if (entry.type !== "hardlink") continue;
    const target = byPath.get(entry.linkTarget ?? "");
    if (target?.type !== "file") {
      throw badSpec(
        `layer entry "${path}": hardlink target "${entry.linkTarget}" is not a regular file of this layer`,
      );
    }
    // A hardlink is its target's inode: same owner, mode and mtime.
    byPath.set(path, { ...entry, uid: target.uid, gid: target.gid, mode: target.mode, mtime: target.mtime });
  }
  const byName = (a: PlannedEntry, b: PlannedEntry) => (a.tarPath < b.tarPath ? -1 : 1);
  const order = [...byPath.values()].filter((entry) => entry.type !== "hardlink").sort(byName);
  for (const link of [...byPath.values()].filter((entry) => entry.type === "hardlink").sort(byName)) {
    const after = Math.max(
      order.findIndex((entry) => entry.tarPath === link.linkTarget),
      order.findIndex((entry) => entry.tarPath === posix.dirname(link.tarPath)),
    );
    order.splice(after + 1, 0, link);
  }
  return order;
}
