/**
 * Entries the builder creates itself (directories, generated files, symlinks), all stamped with
 * LinuxKit's fixed time and owned by root unless said otherwise (linuxkit-reference.md §3.11), and
 * image entries it moves and stamps the same way.
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { emptyBody, entryFromBytes, type FsEntry } from "@ocikit/fs";
import { CREATED_MTIME } from "./constants.js";

/** A directory entry (0755 by default). */
export function dirEntry(
  path: string,
  mode = 0o755,
  owner: { uid: number; gid: number } = { uid: 0, gid: 0 },
): FsEntry {
  return {
    path,
    type: "dir",
    mode,
    uid: owner.uid,
    gid: owner.gid,
    mtime: CREATED_MTIME,
    size: 0,
    body: emptyBody,
  };
}

/** A regular file with in-memory contents. */
export function fileEntry(
  path: string,
  contents: Uint8Array | string,
  mode = 0o644,
  owner: { uid: number; gid: number } = { uid: 0, gid: 0 },
  mtime = CREATED_MTIME,
): FsEntry {
  const bytes = typeof contents === "string" ? new TextEncoder().encode(contents) : contents;
  return entryFromBytes({ path, type: "file", mode, uid: owner.uid, gid: owner.gid, mtime }, bytes);
}

/**
 * An image's entry moved to `path`, owned by root and stamped with LinuxKit's time; its type, mode
 * and bytes kept (the kernel, the microcode, a volume's OCI layout).
 */
export function restampEntry(entry: FsEntry, path: string): FsEntry {
  return { ...entry, path, uid: 0, gid: 0, mtime: CREATED_MTIME, body: () => entry.body() };
}

/** A symlink. */
export function symlinkEntry(
  path: string,
  target: string,
  mode = 0o777,
  owner: { uid: number; gid: number } = { uid: 0, gid: 0 },
): FsEntry {
  return {
    path,
    type: "symlink",
    mode,
    uid: owner.uid,
    gid: owner.gid,
    mtime: CREATED_MTIME,
    size: 0,
    linkTarget: target,
    body: emptyBody,
  };
}

/**
 * The directories leading to `prefix`, each as its own entry: `containers`, `containers/onboot`,
 * `containers/onboot/000-x` … (LinuxKit's `tarPrefix`, repeated for every section that uses them).
 */
export function prefixDirs(prefix: string): FsEntry[] {
  const out: FsEntry[] = [];
  let path = "";
  for (const part of prefix.split("/").filter((p) => p !== "")) {
    path = path === "" ? part : `${path}/${part}`;
    out.push(dirEntry(path));
  }
  return out;
}

/**
 * A regular file (0644) whose contents are the concatenation of files on the host — built outputs,
 * such as the kernel and the initrd's members — read when its body is.
 */
export async function hostFilesEntry(path: string, files: readonly string[]): Promise<FsEntry> {
  let size = 0;
  for (const file of files) size += (await stat(file)).size;
  return {
    path,
    type: "file",
    mode: 0o644,
    uid: 0,
    gid: 0,
    mtime: CREATED_MTIME,
    size,
    body: () => concatFiles(files),
  };
}

/** Streams the concatenation of files (the initrd from its parts). */
export async function* concatFiles(paths: readonly string[]): AsyncIterable<Uint8Array> {
  for (const path of paths) yield* createReadStream(path, { highWaterMark: 1 << 20 });
}
